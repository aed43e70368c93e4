"""The bus: publish commands and events, and read or set a job's cancel flag."""

import asyncio
import logging
from typing import Self
from uuid import UUID

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import KeyDeletedError, KeyNotFoundError, NoStreamResponseError
from nats.js.kv import KeyValue

from actormaker.common.bus.connection import connect_nats
from actormaker.common.bus.streams import declare_streams
from actormaker.common.schemas import Command, Event
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import COMMANDS_STREAM, EVENTS_STREAM, event_subject
from actormaker.common.tracing import outgoing_headers

log = logging.getLogger(__name__)

_CANCELLED = b"cancelled"
_RETRYABLE = (nats.errors.TimeoutError, nats.errors.NoRespondersError, NoStreamResponseError)


class BusUnavailable(ConnectionError):
    """A publish that did not reach JetStream before its deadline."""


class Bus:
    """One NATS connection with JetStream, shared by everything in a process."""

    def __init__(
        self, nc: NatsClient, js: JetStreamContext, control: KeyValue, *, publish_deadline: float
    ) -> None:
        self.nc = nc
        self.js = js
        self._control = control
        self._publish_deadline = publish_deadline

    @classmethod
    async def connect(
        cls, settings: CommonSettings, *, name: str, publish_deadline: float = 30.0
    ) -> Self:
        """Connect to NATS and declare (or update) the shared streams."""
        nc = await connect_nats(
            settings.nats_url, name=name, first_connect_timeout=settings.nats_connect_timeout
        )
        js = nc.jetstream(timeout=5)
        control = await declare_streams(js, settings)
        return cls(nc, js, control, publish_deadline=publish_deadline)

    async def close(self) -> None:
        """Flush what is pending and close the connection."""
        if not self.nc.is_closed:
            await self.nc.drain()

    async def publish_command(self, command: Command) -> int:
        """Queue a command; a second publish of the same command is stored once."""
        return await self.publish_stored_command(
            command.subject(), command.to_bytes(), msg_id=str(command.id)
        )

    async def publish_stored_command(self, subject: str, payload: bytes, *, msg_id: str) -> int:
        """Queue a command kept as its subject and bytes (the gateway's outbox)."""
        return await self._publish(subject, payload, msg_id=msg_id, stream=COMMANDS_STREAM)

    async def publish_event(self, event: Event) -> int:
        """Publish an event and return its stream sequence (the SSE id)."""
        return await self._publish(
            event_subject(event.job_id, event.type),
            event.to_bytes(),
            msg_id=str(event.id),
            stream=EVENTS_STREAM,
        )

    async def request_cancel(self, job_id: UUID) -> None:
        """Raise the job's cancel flag, which workers check before and during each item."""
        await self._control.put(str(job_id), _CANCELLED)

    async def is_cancelled(self, job_id: UUID) -> bool:
        """Whether someone asked for this job to be cancelled."""
        try:
            entry = await self._control.get(str(job_id))
        except (KeyNotFoundError, KeyDeletedError):
            return False
        return entry.value == _CANCELLED

    async def _publish(self, subject: str, payload: bytes, *, msg_id: str, stream: str) -> int:
        # The message id makes retrying safe: JetStream stores a re-sent message once.
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._publish_deadline
        delay = 0.1
        headers = {"Nats-Msg-Id": msg_id, **outgoing_headers()}
        while True:
            try:
                ack = await self.js.publish(
                    subject, payload, timeout=5, stream=stream, headers=headers
                )
            except _RETRYABLE as error:
                if loop.time() + delay > give_up_at:
                    raise BusUnavailable(f"could not publish to {subject}: {error!r}") from error
                log.warning("publish retry", extra={"subject": subject, "error": repr(error)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                return ack.seq
