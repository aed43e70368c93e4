"""Errors shared by every service.

ActorMakerError
├── InvalidInput                 bad input from a user or a message; never retried
│   ├── InvalidName              a name or storage key that is not allowed
│   └── InvalidImage             not an image we accept (format, corrupt, too many pixels)
├── NotFound                     a thing that does not exist (a storage key, a style, an actor)
└── WorkOutcome                  how a worker should settle a message
    ├── PermanentError           the item fails now: term the message, report the reason
    ├── TransientError           try again later: nak with a delay
    └── WorkCancelled            the job was cancelled: ack, report the item cancelled

Worker code raises these; the worker runtime maps them onto ack / nak / term and events, and the
gateway maps InvalidInput and NotFound onto 4xx answers.
"""


class ActorMakerError(Exception):
    """Base of every error this project raises on purpose."""


class InvalidInput(ActorMakerError):
    """Input that can never succeed as given."""


class InvalidName(InvalidInput):
    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid name {name!r}: {reason}")


class InvalidImage(InvalidInput):
    """Bytes that are not an image we accept."""


class NotFound(ActorMakerError):
    def __init__(self, what: str, name: str) -> None:
        self.what = what
        self.name = name
        super().__init__(f"{what} not found: {name}")


class WorkOutcome(ActorMakerError):
    """Raised inside a handler to say how its message should be settled."""


class PermanentError(WorkOutcome):
    """The item cannot succeed; fail it with this message."""


class TransientError(WorkOutcome):
    """The item may succeed later; retry after `delay` seconds (None = the runtime's backoff)."""

    def __init__(self, message: str, *, delay: float | None = None) -> None:
        self.delay = delay
        super().__init__(message)


class WorkCancelled(WorkOutcome):
    """The job was cancelled while this item was waiting or running."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)
