"""How Replicate writes ids and times in its objects, for predictions and trainings alike."""

import base64
import uuid
from datetime import datetime


def new_id() -> str:
    """26 lowercase base32 characters, like Replicate's ids."""
    return base64.b32encode(uuid.uuid4().bytes).decode().lower()[:26]


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z") if moment else None
