"""Turn a sync request into one command per file, refusing anything unsafe before a job exists."""

from collections.abc import Sequence

from actormaker.common.actor_files import image_index, response_key, training_key
from actormaker.common.assets import AssetBucket, local_name_of
from actormaker.common.errors import InvalidInput, InvalidName
from actormaker.common.s3urls import InvalidS3Url, S3Location
from actormaker.common.schemas.s3sync import DownloadFile, UploadFile
from actormaker.gateway.actors.schemas import FileSelection
from actormaker.gateway.actors.training_data import TrainingFiles
from actormaker.gateway.jobs import JobDraft


def plan_downloads(
    draft: JobDraft,
    files: TrainingFiles,
    assets: AssetBucket,
    *,
    urls: Sequence[str] | None,
    selection: FileSelection,
) -> list[DownloadFile]:
    """One download per selected URL (response.json's URLs unless `urls` are given)."""
    actor = files.actor
    urls = files.s3_urls if urls is None else urls
    if not urls:
        raise InvalidInput(f"{actor} has no S3 URLs: response.json lists none and none were sent")
    by_name: dict[str, tuple[str, S3Location]] = {}
    for url in urls:
        location = assets.parse(url)
        name = _local_name(url, location)
        if name in by_name and by_name[name][1] != location:
            raise InvalidInput(f"{url} and {by_name[name][0]} would both be stored as {name}")
        by_name[name] = (url, location)
    return [
        draft.command(
            DownloadFile,
            key=name,
            group=actor,
            bucket=by_name[name][1].bucket,
            s3_key=by_name[name][1].key,
            local_key=training_key(actor, name),
        )
        for name in select_files(actor, list(by_name), selection)
    ]


def plan_uploads(
    draft: JobDraft, files: TrainingFiles, assets: AssetBucket, *, selection: FileSelection
) -> list[UploadFile]:
    """One upload per selected local image, to where response.json already points if it does."""
    actor = files.actor
    if not files.local_images:
        raise InvalidInput(f"{actor} has no local training images to upload")
    listed = _listed_locations(files, assets)
    commands = []
    for name in select_files(actor, list(files.local_images), selection):
        url, dest = listed.get(name) or _new_target(assets, actor, name)
        commands.append(
            draft.command(
                UploadFile,
                key=name,
                group=actor,
                local_key=training_key(actor, name),
                bucket=dest.bucket,
                s3_key=dest.key,
                url=url,
                manifest_key=response_key(actor),
            )
        )
    return commands


def select_files(actor: str, names: list[str], selection: FileSelection) -> list[str]:
    """The names chosen by index ({actor}_{i}.*) or by name; all of them when none are chosen."""
    if selection.indices is None and selection.filenames is None:
        return names
    by_index = {image_index(actor, name): name for name in names}
    unknown_indices = sorted(set(selection.indices or ()) - by_index.keys())
    unknown_names = sorted(set(selection.filenames or ()) - set(names))
    if unknown_indices or unknown_names:
        raise InvalidInput(
            f"{actor} has no file with index {unknown_indices} or name {unknown_names}; "
            f"it has {names}"
        )
    chosen = {by_index[i] for i in selection.indices or ()} | set(selection.filenames or ())
    return [name for name in names if name in chosen]


def _local_name(url: str, location: S3Location) -> str:
    try:
        return local_name_of(location.key)
    except InvalidName as error:
        raise InvalidS3Url(url, f"its file name cannot be stored locally: {error}") from None


def _listed_locations(
    files: TrainingFiles, assets: AssetBucket
) -> dict[str, tuple[str, S3Location]]:
    # A file that came from an allowed bucket goes back to the same object under the same URL.
    listed = {}
    for url in files.s3_urls:
        try:
            listed[assets.local_name(url)] = (url, assets.parse(url))
        except InvalidS3Url:
            continue
    return listed


def _new_target(assets: AssetBucket, actor: str, name: str) -> tuple[str, S3Location]:
    location = assets.training_location(actor, name)
    return assets.url(location), location
