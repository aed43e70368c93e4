"""One workflow run on RunPod: submit with /run, poll /status, cancel when the item stops."""

import contextlib
from dataclasses import dataclass

from actormaker.common.bus import ItemContext
from actormaker.common.comfy.workflows import Workflow
from actormaker.common.runpod import (
    PollPolicy,
    RunPodClient,
    RunPodJob,
    RunPodRejected,
    RunPodStatus,
    RunPodUnavailable,
)

_FRACTION = {
    RunPodStatus.IN_QUEUE: 0.2,
    RunPodStatus.IN_PROGRESS: 0.5,
    RunPodStatus.RUNNING: 0.5,
    RunPodStatus.COMPLETED: 0.8,
}
# RunPod's smallest accepted executionTimeout.
_MIN_EXECUTION_TIMEOUT_MS = 5000


@dataclass(frozen=True, kw_only=True)
class Renderer:
    runpod: RunPodClient
    poll: PollPolicy

    async def render(self, workflow: Workflow, ctx: ItemContext) -> RunPodJob:
        """The COMPLETED job; raises the client's work outcomes otherwise."""
        name = ctx.item_key
        timeout_ms = max(round(self.poll.timeout * 1000), _MIN_EXECUTION_TIMEOUT_MS)
        job_id = await self.runpod.run(
            {"workflow": workflow}, policy={"executionTimeout": timeout_ms}
        )
        await ctx.progress(f"{name}: RunPod job {job_id} submitted", fraction=0.1)

        async def report(job: RunPodJob) -> None:
            fraction = _FRACTION.get(job.known_status) if job.known_status else None
            await ctx.progress(f"{name}: RunPod job {job.id} {job.status}", fraction=fraction)

        try:
            return await self.runpod.wait(
                job_id, poll=self.poll, on_update=report, check_cancelled=ctx.is_cancelled
            )
        except RunPodUnavailable:
            # Polling gave up but the job may still run; the retry submits a new one, so this one
            # would only burn GPU time.
            with contextlib.suppress(RunPodUnavailable, RunPodRejected):
                await self.runpod.cancel(job_id)
            raise
