"""Connecting, declaring streams and publishing, on a real nats-server."""

import time
from uuid import uuid4

import pytest

from actormaker.common.bus import Bus
from actormaker.common.bus.streams import declare_streams
from actormaker.common.schemas import Event, EventType
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import EVENTS_STREAM
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port


async def test_first_connect_gives_up_after_its_timeout() -> None:
    nowhere = CommonSettings(nats_url=f"nats://127.0.0.1:{free_port()}", nats_connect_timeout=1)
    started = time.monotonic()
    with pytest.raises(
        ConnectionError, match=r"could not reach NATS at nats://127\.0\.0\.1:\d+ within 1 s"
    ):
        await Bus.connect(nowhere, name="test")
    assert time.monotonic() - started < 5


async def test_declaring_twice_is_harmless_and_updates_changed_settings(
    private_nats: NatsServer,
) -> None:
    settings = CommonSettings(nats_url=private_nats.url)
    bus = await Bus.connect(settings, name="test")
    try:
        await declare_streams(bus.js, settings)
        shorter = settings.model_copy(update={"events_max_age_s": 3600.0})
        await declare_streams(bus.js, shorter)
        info = await bus.js.stream_info(EVENTS_STREAM)
        assert info.config.max_age == 3600.0
    finally:
        await bus.close()


async def test_an_event_published_twice_is_stored_once(bus: Bus) -> None:
    event = Event(type=EventType.JOB_ACCEPTED, job_id=uuid4())
    first = await bus.publish_event(event)
    assert await bus.publish_event(event) == first
    later = await bus.publish_event(Event(type=EventType.JOB_ACCEPTED, job_id=event.job_id))
    assert later > first


async def test_cancel_flag_is_per_job(bus: Bus) -> None:
    cancelled, untouched = uuid4(), uuid4()
    await bus.request_cancel(cancelled)
    assert await bus.is_cancelled(cancelled)
    assert not await bus.is_cancelled(untouched)
