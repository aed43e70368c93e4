"""The provider-job ledger in a NATS KV bucket: one record per job, item and step."""

import contextlib
from dataclasses import dataclass
from typing import Self
from uuid import UUID

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import ValidationError

from actormaker.common.bus.streams import open_key_value
from actormaker.common.errors import TransientError
from actormaker.common.schemas.provider_jobs import StepAddress, StepRecord
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import PROVIDER_JOBS_BUCKET

_LIST_TIMEOUT_S = 5.0


class StepContended(TransientError):
    """Another delivery changed the step's record first: let this one retry and re-read it."""


@dataclass(frozen=True)
class Entry:
    record: StepRecord
    revision: int


class ProviderLedger:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, settings: CommonSettings) -> Self:
        """Create or open the bucket; records live as long as a job's events do."""
        config = KeyValueConfig(
            bucket=PROVIDER_JOBS_BUCKET,
            history=1,
            ttl=settings.events_max_age_s,
            storage=StorageType.FILE,
            replicas=settings.stream_replicas,
        )
        return cls(await open_key_value(js, config))

    async def get(self, address: StepAddress) -> Entry | None:
        try:
            entry = await self._kv.get(address.key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        if entry.value is None:
            return None
        return Entry(StepRecord.model_validate_json(entry.value), entry.revision or 0)

    async def create(self, record: StepRecord) -> Entry | None:
        """Write a new record; None when the step already has one (another delivery won)."""
        try:
            revision = await self._kv.create(record.key, record.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            return None
        return Entry(record, revision)

    async def replace(self, entry: Entry, record: StepRecord) -> Entry:
        """Replace `entry` with `record`, unless someone else replaced it since it was read."""
        try:
            revision = await self._kv.update(
                record.key, record.model_dump_json().encode(), last=entry.revision
            )
        except KeyWrongLastSequenceError as error:
            raise StepContended(f"step {record.key} was changed by another delivery") from error
        return Entry(record, revision)

    async def put(self, record: StepRecord) -> Entry:
        """Write `record` whatever was there (for steps only one delivery runs at a time)."""
        revision = await self._kv.put(record.key, record.model_dump_json().encode())
        return Entry(record, revision)

    async def item_entries(self, job_id: UUID, item_id: UUID) -> list[Entry]:
        """Every step recorded for one item."""
        watcher = await self._kv.watch(f"{job_id}.{item_id}.*", ignore_deletes=True)
        entries: list[Entry] = []
        try:
            while (update := await watcher.updates(timeout=_LIST_TIMEOUT_S)) is not None:
                if update.value:
                    with contextlib.suppress(ValidationError):
                        record = StepRecord.model_validate_json(update.value)
                        entries.append(Entry(record, update.revision or 0))
        except nats.errors.TimeoutError:
            pass  # a watcher that never sends its end marker: keep what arrived
        finally:
            await watcher.stop()
        return entries
