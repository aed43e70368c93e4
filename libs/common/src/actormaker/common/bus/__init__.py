from actormaker.common.bus.client import Bus, BusUnavailable
from actormaker.common.bus.context import ItemContext
from actormaker.common.bus.replay import Idle, StoredEvent, follow_events
from actormaker.common.bus.worker import DeliveryPolicy, Handler, Worker

__all__ = (
    "Bus",
    "BusUnavailable",
    "DeliveryPolicy",
    "Handler",
    "Idle",
    "ItemContext",
    "StoredEvent",
    "Worker",
    "follow_events",
)
