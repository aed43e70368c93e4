"""Stream, subject and bucket names: the addresses of the wire contract."""

from uuid import UUID

COMMANDS_STREAM = "COMMANDS"
EVENTS_STREAM = "EVENTS"
DEAD_LETTERS_STREAM = "DEAD_LETTERS"
JOB_CONTROL_BUCKET = "job_control"

ALL_COMMANDS = "cmd.>"
ALL_EVENTS = "evt.job.>"
MAX_DELIVERIES_ADVISORIES = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{COMMANDS_STREAM}.>"


def service_commands(service: str) -> str:
    """The filter that matches every command of one service."""
    return f"cmd.{service}.>"


def event_subject(job_id: UUID, event_type: str) -> str:
    """The subject one event of a job is published on."""
    return f"evt.job.{job_id}.{event_type}"


def job_events(job_id: UUID) -> str:
    """The filter that matches every event of one job."""
    return f"evt.job.{job_id}.>"


PROVIDER_JOBS_BUCKET = "provider_jobs"


def provider_nudge(ledger_key: str) -> str:
    """Where a webhook for one step is announced to the worker waiting on it (core NATS)."""
    return f"provider.nudge.{ledger_key}"
