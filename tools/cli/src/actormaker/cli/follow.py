"""Following a job to its end: a live progress bar from its event stream, resumed after drops."""

import json
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from actormaker.cli.client import ApiRefused, Gateway, Unreachable

FINAL_ITEMS = {"item.succeeded", "item.failed", "item.cancelled"}


@dataclass
class JobFollower:
    gateway: Gateway
    job_id: str
    console: Console
    reconnect_s: float = 1.0
    give_up_after_s: float = 300.0
    last_event_id: str | None = None
    done: set[str] = field(default_factory=set)

    def run(self, *, show: bool) -> dict[str, Any]:
        """Follow until job.finished, then answer the job as the API reports it."""
        total = self._patiently(self._job)["counts"]["total"]
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(
            *columns, TimeElapsedColumn(), console=self.console, disable=not show, transient=False
        ) as progress:
            task = progress.add_task(f"job {self.job_id[:8]}", total=total or None)
            self._follow(lambda: progress.update(task, completed=len(self.done)))
        return self._patiently(self._job)

    def _job(self) -> Any:
        return self.gateway.call("GET", f"/api/jobs/{self.job_id}")

    def _follow(self, advance: Any) -> None:
        while not self._patiently(lambda: self._read(advance)):
            time.sleep(self.reconnect_s)  # the stream ended before the job did: reconnect

    def _patiently(self, call: Any) -> Any:
        """`call()`, again and again while the gateway is away or restarting."""
        broken_since: float | None = None
        while True:
            try:
                return call()
            except Unreachable:
                broken_since = broken_since or time.monotonic()
                if time.monotonic() - broken_since > self.give_up_after_s:
                    raise
                time.sleep(self.reconnect_s)
            except ApiRefused as refused:
                # A gateway that is starting again answers 5xx for a moment: wait it out.
                if refused.status < 500:
                    raise
                time.sleep(self.reconnect_s)

    def _read(self, advance: Any) -> bool:
        with self.gateway.events(f"/api/jobs/{self.job_id}/events", self.last_event_id) as stream:
            for message in stream:
                if message.id:
                    self.last_event_id = message.id
                if message.event in FINAL_ITEMS:
                    self.done.add(json.loads(message.data)["item_id"])
                    advance()
                if message.event == "job.finished":
                    return True
        return False
