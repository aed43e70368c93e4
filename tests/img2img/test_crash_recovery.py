"""Provider jobs survive the worker: a killed or stopped worker's RunPod jobs are re-attached to
by the next delivery, never submitted again; only a user's cancel cancels them."""

import asyncio
from collections.abc import Callable

from httpx_sse import ServerSentEvent

from tests.faults.journeys import until
from tests.img2img.conftest import Stack, StackFactory
from tests.img2img.helpers import SCENES, Finished, follow, new_dataset, training_images
from tests.ledger_probe import every_submit_confirmed


async def provider_reached(stack: Stack, condition: Callable[[dict[str, int]], bool]) -> None:
    """Wait until the emulator's counters satisfy `condition`."""
    async with asyncio.timeout(30):
        while not condition(await stack.provider_stats()):  # noqa: ASYNC110 - another server
            await asyncio.sleep(0.05)


async def start_batch(stack: Stack, count: int) -> tuple[str, list[str]]:
    dataset = await new_dataset(stack, SCENES[:count])
    response = await stack.client.post(
        f"/api/styles/{dataset.style_id}/generate", json={"select": "missing"}
    )
    assert response.status_code == 202, response.text
    return dataset.style_id, [response.json()["job_id"], *dataset.images]


async def all_recorded(stack: Stack, job_id: str) -> None:
    """Wait until every item's RunPod job is in the ledger (its 'submitted' progress is out).

    A kill between RunPod taking a job and the ledger hearing of it resubmits that job: nothing
    can tell it from one never sent (ADR 0006). These tests kill after that moment.
    """
    async with asyncio.timeout(30):
        while True:
            items = (await stack.client.get(f"/api/jobs/{job_id}")).json()["items"]
            if all((item["progress"] or 0) >= 0.1 for item in items):
                return
            await asyncio.sleep(0.05)


def succeeded_events(finished: Finished) -> list[str]:
    return [e.json()["item_key"] for e in finished.events if e.event == "item.succeeded"]


async def assert_made_once(
    stack: Stack, finished: Finished, style_id: str, images: list[str]
) -> None:
    """Every image made, by exactly one RunPod job each, none cancelled, reported once."""
    assert finished.job["status"] == "succeeded", finished.job
    stats = await stack.provider_stats()
    assert (stats["submitted"], stats["cancelled"]) == (len(images), 0)
    assert sorted(succeeded_events(finished)) == sorted(images), "one item.succeeded each"
    assert set(await training_images(stack, style_id)) == set(images)
    folder = stack.common.data_dir / "resources" / "style_images"
    rendered = sorted(path.name for path in folder.rglob("*_training.jpg"))
    assert len(rendered) == len(images), rendered
    assert not list((stack.common.data_dir / "work").rglob("*.jpg")), "no render left behind"


async def test_a_sigkilled_worker_costs_no_second_runpod_job(make_stack: StackFactory) -> None:
    # An ack wait this long survives missed heartbeats on a loaded machine (no early redelivery).
    async with make_stack(worker=False, ack_wait_s=3.0) as stack:
        await stack.emulate(latency_s=3.0)
        style_id, (job_id, *images) = await start_batch(stack, 4)
        async with stack.worker_process("doomed") as doomed:
            await all_recorded(stack, job_id)
            await doomed.kill()

        async with stack.worker_process("successor"):
            finished = await follow(stack, job_id, within=60)

        await assert_made_once(stack, finished, style_id, images)
        assert sum("re-attached" in m for m in finished.messages("item.progress")) == len(images)


async def test_a_graceful_stop_leaves_the_runpod_jobs_for_the_next_worker(
    make_stack: StackFactory,
) -> None:
    async with make_stack(worker=False) as stack:
        await stack.emulate(latency_s=4.0)
        style_id, (job_id, *images) = await start_batch(stack, 3)
        async with stack.worker():
            await provider_reached(stack, lambda stats: stats["submitted"] == len(images))
        # Stopped mid-job: the RunPod jobs run on, nobody cancelled them.
        assert (await stack.provider_stats())["cancelled"] == 0
        statuses = {job["status"] for job in await stack.emulated_jobs()}
        assert "CANCELLED" not in statuses, statuses

        async with stack.worker():
            finished = await follow(stack, job_id, within=30)

        await assert_made_once(stack, finished, style_id, images)


async def test_a_cancel_while_no_worker_runs_still_cancels_the_runpod_jobs(
    make_stack: StackFactory,
) -> None:
    async with make_stack(worker=False) as stack:
        await stack.emulate(latency_s=30.0)
        _, (job_id, *images) = await start_batch(stack, 2)
        async with stack.worker():
            await provider_reached(stack, lambda stats: stats["submitted"] == len(images))
            await until(lambda: every_submit_confirmed(stack.common, len(images)))
        cancel = await stack.client.post(f"/api/jobs/{job_id}/cancel")
        assert cancel.status_code == 202

        async with stack.worker():
            finished = await follow(stack, job_id, within=30)

        assert finished.job["status"] == "cancelled"
        stats = await stack.provider_stats()
        assert (stats["submitted"], stats["cancelled"]) == (len(images), len(images))
        assert {job["status"] for job in await stack.emulated_jobs()} == {"CANCELLED"}


async def test_a_result_runpod_forgot_is_made_again_once_with_a_warning(
    make_stack: StackFactory,
) -> None:
    async with make_stack(
        poll_initial_s=0.8, poll_max_interval_s=0.8, not_found_grace_s=0.3
    ) as stack:
        await stack.emulate(retention_s=0.0)
        _, (job_id, image) = await start_batch(stack, 1)

        async def remember_from_now_on(event: ServerSentEvent) -> None:
            if event.event == "item.warning":
                await stack.emulate(retention_s=1800.0)

        finished = await follow(stack, job_id, on_event=remember_from_now_on, within=30)

        assert finished.job["status"] == "succeeded", finished.job
        [warning] = finished.messages("item.warning")
        assert f"{image}: RunPod no longer knows job" in warning
        assert (await stack.provider_stats())["submitted"] == 2
