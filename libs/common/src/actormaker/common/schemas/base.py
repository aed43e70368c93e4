"""The envelope every message shares: a unique id, a time and a versioned schema name."""

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Message(BaseModel):
    """A message that crosses a process boundary.

    Its id doubles as the `Nats-Msg-Id`, so publishing the same message twice stores it once.
    Unknown fields are ignored, so producers can add fields before every consumer knows them.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    SCHEMA: ClassVar[str]

    id: UUID = Field(default_factory=uuid4)
    time: datetime = Field(default_factory=utcnow)

    @computed_field(alias="schema")  # type: ignore[prop-decorator]
    @property
    def schema_id(self) -> str:
        return self.SCHEMA

    @model_validator(mode="before")
    @classmethod
    def _check_schema(cls, data: Any) -> Any:
        if isinstance(data, dict) and "schema" in data:
            if data["schema"] != cls.SCHEMA:
                raise ValueError(f"expected schema {cls.SCHEMA!r}, got {data['schema']!r}")
            data = {key: value for key, value in data.items() if key != "schema"}
        return data

    def to_bytes(self) -> bytes:
        """The message as JSON, the form it travels in."""
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a message, refusing one written for another schema."""
        return cls.model_validate_json(data)


class Command(Message):
    """One unit of work for one service: one command per job item.

    Subclasses set SERVICE and ACTION; the subject is `cmd.<service>.<action>`.
    """

    SERVICE: ClassVar[str]
    ACTION: ClassVar[str]
    VERSION: ClassVar[int] = 1

    job_id: UUID
    item_id: UUID
    item_key: str
    group: str | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "SERVICE" in cls.__dict__ or "ACTION" in cls.__dict__:
            cls.SCHEMA = f"{cls.SERVICE}.{cls.ACTION}/{cls.VERSION}"
            _COMMANDS[cls.SCHEMA] = cls

    @staticmethod
    def by_schema(schema: str) -> "type[Command]":
        """The command class of a stored command's `schema` (KeyError for one never defined)."""
        return _COMMANDS[schema]

    @classmethod
    def subject(cls) -> str:
        """The subject this command is published on."""
        return command_subject(cls.SCHEMA)


_COMMANDS: dict[str, type[Command]] = {}


def command_subject(schema: str) -> str:
    """The subject of a command by its schema name: `svc.action/1` travels on `cmd.svc.action`."""
    return f"cmd.{schema.partition('/')[0]}"


class CommandAddress(BaseModel):
    """The fields every command has: enough to report on a command that will not parse."""

    model_config = ConfigDict(extra="ignore")

    job_id: UUID
    item_id: UUID
    item_key: str
    group: str | None = None
