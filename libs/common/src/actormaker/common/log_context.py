"""What every log line of the current task carries: the request id, and the job and item it serves.

The gateway binds the request id per HTTP request; the bus copies it into the NATS headers of
what it publishes; the worker binds it again, with the job and item, for the handler's task.
Context variables follow asyncio tasks, so concurrent items never see each other's ids.
"""

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

REQUEST_ID_HEADER = "X-Request-ID"

# Ids from clients are echoed into logs and headers: keep them short and plain.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

_fields: ContextVar[Mapping[str, str]] = ContextVar("log_fields", default=MappingProxyType({}))


def request_id_from(value: str | None) -> str:
    """The client's request id when it is safe to echo, else a new one."""
    if value is not None and _SAFE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add `fields` (those not None) to every log line written inside the block."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def current_fields() -> Mapping[str, str]:
    """The fields bound for the running task."""
    return _fields.get()


def current_request_id() -> str | None:
    return _fields.get().get("request_id")
