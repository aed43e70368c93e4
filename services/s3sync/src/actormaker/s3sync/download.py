"""The download handler: one object from an allowed bucket into an actor's training_data."""

from actormaker.common.bus import ItemContext
from actormaker.common.s3transfer import download
from actormaker.common.schemas.s3sync import DownloadFile, FileSynced
from actormaker.s3sync.guards import allowed_location, training_file_key
from actormaker.s3sync.resources import SyncResources, file_synced


async def download_file(
    command: DownloadFile, ctx: ItemContext, *, resources: SyncResources
) -> FileSynced:
    source = allowed_location(resources.assets, command.bucket, command.s3_key)
    local_key = training_file_key(command.local_key)
    result = await download(
        resources.s3, source=source, storage=resources.storage, dest_key=local_key
    )
    return file_synced(result)
