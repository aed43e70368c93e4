"""Durable pull consumers: create-or-update, fetch with recovery, and a batch-at-a-time loop."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

from actormaker.common.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING

log = logging.getLogger(__name__)

PullSubscription = JetStreamContext.PullSubscription
BatchHandler = Callable[[list[Msg]], Awaitable[None]]


async def bind_durable(
    js: JetStreamContext, stream: str, config: ConsumerConfig
) -> PullSubscription:
    """Create the durable consumer or update it to `config`, and bind a pull subscription."""
    # pull_subscribe(durable=...) silently keeps an existing consumer's old config; add_consumer
    # updates it.
    await js.add_consumer(stream, config)
    return await js.pull_subscribe_bind(config.durable_name, stream=stream)


async def report_backlog(js: JetStreamContext, stream: str, consumer: str) -> None:
    """Set the consumer gauges from the server's view of one durable consumer."""
    info = await js.consumer_info(stream, consumer, timeout=2)
    CONSUMER_PENDING.labels(consumer).set(info.num_pending or 0)
    CONSUMER_ACK_PENDING.labels(consumer).set(info.num_ack_pending or 0)


async def fetch_batch(subscription: PullSubscription, batch: int, wait: float) -> list[Msg]:
    """Up to `batch` messages, or none when there are none within `wait` seconds or NATS is away."""
    try:
        return await subscription.fetch(batch, timeout=wait)
    except (nats.errors.TimeoutError, TimeoutError):
        return []
    except (nats.errors.Error, nats.js.errors.Error) as error:
        # The connection is down or being re-established: this loop is the recovery.
        log.warning("fetch failed", extra={"error": repr(error)})
        await asyncio.sleep(0.5)
        return []


class BatchConsumer:
    """Feeds batches from one durable consumer to `handle`, one batch at a time, until stopped."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        config: ConsumerConfig,
        handle: BatchHandler,
        batch: int = 256,
        fetch_timeout: float = 0.5,
    ) -> None:
        self._js = js
        self._stream = stream
        self._config = config
        self._handle = handle
        self._batch = batch
        self._fetch_timeout = fetch_timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind the consumer and start the loop."""
        subscription = await bind_durable(self._js, self._stream, self._config)
        self._task = asyncio.create_task(self._run(subscription), name=self._config.durable_name)

    async def stop(self) -> None:
        """Finish the batch at hand, then stop."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self, subscription: PullSubscription) -> None:
        try:
            while not self._stopping.is_set():
                messages = await fetch_batch(subscription, self._batch, self._fetch_timeout)
                if messages:
                    await self._handle(messages)
        finally:
            with contextlib.suppress(nats.errors.Error):
                await subscription.unsubscribe()
