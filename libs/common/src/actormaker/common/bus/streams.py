"""Declare-or-update the streams and the KV bucket the services share."""

import logging

from nats.js import JetStreamContext
from nats.js.api import (
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError
from nats.js.kv import KeyValue

from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import (
    ALL_COMMANDS,
    ALL_EVENTS,
    COMMANDS_STREAM,
    DEAD_LETTERS_STREAM,
    EVENTS_STREAM,
    JOB_CONTROL_BUCKET,
    MAX_DELIVERIES_ADVISORIES,
)

log = logging.getLogger(__name__)

_STREAM_NAME_IN_USE = 10058


def stream_configs(settings: CommonSettings) -> list[StreamConfig]:
    """The configuration of every stream, derived from settings."""
    return [
        StreamConfig(
            name=COMMANDS_STREAM,
            subjects=[ALL_COMMANDS],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_age=settings.commands_max_age_s,
            duplicate_window=settings.commands_duplicate_window_s,
            num_replicas=settings.stream_replicas,
        ),
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[ALL_EVENTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=settings.events_max_age_s,
            duplicate_window=120,
            num_replicas=settings.stream_replicas,
        ),
        StreamConfig(
            name=DEAD_LETTERS_STREAM,
            subjects=[MAX_DELIVERIES_ADVISORIES],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=settings.commands_max_age_s,
            num_replicas=settings.stream_replicas,
        ),
    ]


async def declare_streams(js: JetStreamContext, settings: CommonSettings) -> KeyValue:
    """Create the streams and the job-control bucket, or update them to this configuration."""
    for config in stream_configs(settings):
        try:
            await js.add_stream(config)
        except BadRequestError as error:
            if error.err_code != _STREAM_NAME_IN_USE:
                raise
            await js.update_stream(config)
            log.info("stream updated", extra={"stream": config.name})
    return await open_key_value(
        js,
        KeyValueConfig(
            bucket=JOB_CONTROL_BUCKET,
            history=1,
            ttl=settings.events_max_age_s,
            storage=StorageType.FILE,
            replicas=settings.stream_replicas,
        ),
    )


async def open_key_value(js: JetStreamContext, config: KeyValueConfig) -> KeyValue:
    """Create a KV bucket, or open it as it is when it already exists."""
    try:
        return await js.create_key_value(config)
    except BadRequestError as error:
        if error.err_code != _STREAM_NAME_IN_USE:
            raise
        return await js.key_value(config.bucket)
