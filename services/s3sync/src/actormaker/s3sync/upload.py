"""The upload handler: one training file into an allowed bucket, then into response.json."""

from actormaker.common.actor_manifest import record_url
from actormaker.common.bus import ItemContext
from actormaker.common.errors import PermanentError
from actormaker.common.s3transfer import upload
from actormaker.common.schemas.s3sync import FileSynced, UploadFile
from actormaker.s3sync.guards import allowed_location, manifest_key_for, training_file_key
from actormaker.s3sync.resources import SyncResources, file_synced


async def upload_file(
    command: UploadFile, ctx: ItemContext, *, resources: SyncResources
) -> FileSynced:
    dest = allowed_location(resources.assets, command.bucket, command.s3_key)
    local_key = training_file_key(command.local_key)
    recorded = resources.assets.parse(command.url)
    if (recorded.bucket, recorded.key) != (dest.bucket, dest.key):
        raise PermanentError(f"{command.url} does not point at {dest.s3_uri}")
    manifest_key = command.manifest_key and manifest_key_for(local_key, command.manifest_key)
    result = await upload(resources.s3, storage=resources.storage, source_key=local_key, dest=dest)
    if manifest_key:
        # After the PUT, so response.json never lists an object that is not in S3 yet.
        await record_url(
            resources.storage,
            resources.locks,
            resources.assets,
            manifest_key=manifest_key,
            url=command.url,
            location=dest,
        )
    return file_synced(result, url=command.url)
