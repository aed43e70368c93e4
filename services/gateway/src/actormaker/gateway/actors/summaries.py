"""A finished sync job's items, counted the way the seed answered: per job and per actor."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actormaker.common.schemas import ItemStatus, JobStatus
from actormaker.gateway.actors.schemas import (
    ActorDownloadCounts,
    ActorUploadCounts,
    DownloadSummary,
    UploadSummary,
)
from actormaker.gateway.models import Job, JobItem


@dataclass
class _Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.done + self.failed

    def counts(self) -> dict[str, Any]:
        """The fields downloads and uploads report alike."""
        return {
            "skipped": self.skipped,
            "failed": self.failed,
            "total": self.total,
            "errors": self.errors,
        }

    def add(self, item: JobItem) -> None:
        # A file that already matched counts as synced: it is where it should be.
        if item.status != ItemStatus.SUCCEEDED:
            self.failed += 1
            self.errors.append(f"{item.key}: {item.error or item.message or item.status}")
            return
        output: dict[str, Any] = item.output or {}
        self.done += 1
        self.skipped += output.get("action") == "skipped"
        if output.get("url"):
            self.urls.append(output["url"])


def _tallies(
    job: Job, items: Sequence[JobItem]
) -> tuple[_Tally, list[tuple[dict[str, Any], _Tally]]]:
    actors = job.request["actors"]
    by_name = {actor["actor_name"]: _Tally() for actor in actors}
    overall = _Tally()
    for item in items:
        overall.add(item)
        by_name[item.group or ""].add(item)
    return overall, [(actor, by_name[actor["actor_name"]]) for actor in actors]


def download_summary(job: Job, items: Sequence[JobItem]) -> DownloadSummary:
    overall, per_actor = _tallies(job, items)
    return DownloadSummary(
        job_id=job.id,
        status=JobStatus(job.status),
        downloaded=overall.done,
        **overall.counts(),
        actors=[
            ActorDownloadCounts(
                actor_id=actor["actor_id"],
                actor_name=actor["actor_name"],
                downloaded=tally.done,
                **tally.counts(),
            )
            for actor, tally in per_actor
        ],
    )


def upload_summary(job: Job, items: Sequence[JobItem]) -> UploadSummary:
    overall, per_actor = _tallies(job, items)
    return UploadSummary(
        job_id=job.id,
        status=JobStatus(job.status),
        uploaded=overall.done,
        s3_urls=overall.urls,
        **overall.counts(),
        actors=[
            ActorUploadCounts(
                actor_id=actor["actor_id"],
                actor_name=actor["actor_name"],
                uploaded=tally.done,
                s3_urls=tally.urls,
                **tally.counts(),
            )
            for actor, tally in per_actor
        ],
    )
