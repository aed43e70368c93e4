"""Connecting to NATS: a bounded first connect, then reconnect forever."""

import asyncio
import logging

from nats.aio.client import Client as NatsClient

log = logging.getLogger(__name__)


async def connect_nats(url: str, *, name: str, first_connect_timeout: float) -> NatsClient:
    """Connect, giving up after `first_connect_timeout`; once connected, never give up."""
    nc = NatsClient()

    async def on_error(error: Exception) -> None:
        log.warning("nats error", extra={"client": name, "error": repr(error)})

    async def on_disconnected() -> None:
        if nc.is_closed or nc.is_draining:
            return
        log.warning("nats disconnected", extra={"client": name})

    async def on_reconnected() -> None:
        log.info("nats reconnected", extra={"client": name, "server": nc.connected_url})

    try:
        await asyncio.wait_for(
            nc.connect(
                servers=[url],
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                ping_interval=10,
                max_outstanding_pings=3,
                drain_timeout=5,
                error_cb=on_error,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
            ),
            first_connect_timeout,
        )
    except TimeoutError as error:
        raise ConnectionError(
            f"could not reach NATS at {url} within {first_connect_timeout:g} s"
        ) from error
    return nc
