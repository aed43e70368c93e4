"""Items whose deliveries ran out while no worker answered: report them failed.

When a worker fails an item itself it says why. When a worker dies or hangs on the last
delivery, only the server knows: it publishes a MAX_DELIVERIES advisory, which the
DEAD_LETTERS stream keeps until this watcher turns it into an `item.failed` event.
"""

import json
import logging

import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from actormaker.common.bus import BatchConsumer, Bus
from actormaker.common.schemas import CommandAddress, Event, EventType
from actormaker.common.subjects import COMMANDS_STREAM, DEAD_LETTERS_STREAM

log = logging.getLogger(__name__)

WATCHER = "dead_letters"


def create_dead_letter_watcher(bus: Bus) -> BatchConsumer:
    """The watcher's consumer loop; start() it with the gateway."""

    async def report(messages: list[Msg]) -> None:
        for msg in messages:
            await _report_one(bus, json.loads(msg.data))
            await msg.ack()

    config = ConsumerConfig(
        name=WATCHER,
        durable_name=WATCHER,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=60,
    )
    return BatchConsumer(bus.js, stream=DEAD_LETTERS_STREAM, config=config, handle=report)


async def _report_one(bus: Bus, advisory: dict[str, object]) -> None:
    sequence = int(advisory["stream_seq"])  # type: ignore[call-overload]
    deliveries = advisory.get("deliveries")
    try:
        stored = await bus.js.get_msg(COMMANDS_STREAM, sequence)
        address = CommandAddress.model_validate_json(stored.data or b"")
    except (nats.js.errors.NotFoundError, ValidationError):
        log.warning("dead letter without a readable command", extra={"seq": sequence})
        return
    await bus.publish_event(
        Event(
            type=EventType.ITEM_FAILED,
            job_id=address.job_id,
            item_id=address.item_id,
            item_key=address.item_key,
            group=address.group,
            attempt=int(deliveries) if isinstance(deliveries, int) else None,
            message=f"gave up after {deliveries} deliveries: no worker finished it in time",
        )
    )
    await bus.js.delete_msg(COMMANDS_STREAM, sequence)
