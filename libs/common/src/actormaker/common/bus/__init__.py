from actormaker.common.bus.client import Bus, BusUnavailable
from actormaker.common.bus.consumer import BatchConsumer, bind_durable, fetch_batch, report_backlog
from actormaker.common.bus.context import ItemContext
from actormaker.common.bus.replay import Idle, StoredEvent, follow_events
from actormaker.common.bus.worker import CancelHook, DeliveryPolicy, Handler, Worker

__all__ = (
    "BatchConsumer",
    "Bus",
    "BusUnavailable",
    "CancelHook",
    "DeliveryPolicy",
    "Handler",
    "Idle",
    "ItemContext",
    "StoredEvent",
    "Worker",
    "bind_durable",
    "fetch_batch",
    "follow_events",
    "report_backlog",
)
