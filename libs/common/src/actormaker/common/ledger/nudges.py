"""Nudges: the gateway's word to a waiting worker that a webhook came for its step.

A nudge carries nothing to trust; it only makes the worker ask the provider now instead of at
its next poll. Core NATS is enough: a nudge nobody hears costs one poll interval.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from actormaker.common.schemas.provider_jobs import StepAddress
from actormaker.common.subjects import provider_nudge


class Nudge:
    """Set when a nudge arrives; `wait` sleeps until one does or the timeout passes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, at_most: float) -> bool:
        """Whether a nudge came (since the last wait) within `at_most` seconds."""
        try:
            await asyncio.wait_for(self._event.wait(), at_most)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Nudges:
    def __init__(self, nc: NatsClient) -> None:
        self._nc = nc

    @contextlib.asynccontextmanager
    async def listen(self, address: StepAddress) -> AsyncIterator[Nudge]:
        """Hear the nudges for one step while the block runs."""
        nudge = Nudge()

        async def on_message(_: Msg) -> None:
            nudge.set()

        subscription = await self._nc.subscribe(provider_nudge(address.key), cb=on_message)
        # The server must know the subscription before the provider can possibly call back.
        await self._nc.flush()
        try:
            yield nudge
        finally:
            with contextlib.suppress(nats.errors.Error):
                await subscription.unsubscribe()

    async def send(self, address: StepAddress) -> None:
        await self._nc.publish(provider_nudge(address.key), b"")
