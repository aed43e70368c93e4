"""Structured logging: every record carries its `extra` fields, as JSON or as key=value text."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from actormaker.common.log_context import current_fields

_BOUND = "bound_fields"
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "color_message", _BOUND}
)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    """The record's `extra` fields, after those bound for its task (request, job, item)."""
    extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES}
    return {**getattr(record, _BOUND, {}), **extra}


class _BindContext(logging.Filter):
    # Read when the record is made, in the task that logs it: a formatter may run later.
    def filter(self, record: logging.LogRecord) -> bool:
        setattr(record, _BOUND, current_fields())
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{time} {record.levelname:<7} {record.name}: {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(*, level: str = "INFO", fmt: Literal["text", "json"] = "text") -> None:
    """Send every log record to stderr in the chosen structured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(_BindContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("nats", "botocore", "aiobotocore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
