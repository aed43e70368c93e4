"""RunPod calls the gateway's webhook when a job finishes: the worker hears of it at once, and
confirms with /status; duplicates and late deliveries change nothing."""

import asyncio

import httpx

from tests.img2img.conftest import Stack, StackFactory
from tests.img2img.helpers import SCENES, Finished, generate, new_dataset

# Far longer than any test waits: only a webhook can finish these steps in time.
PATIENT = {"poll_initial_s": 20.0, "poll_max_interval_s": 20.0}


async def generated(stack: Stack, count: int) -> Finished:
    """A batch of `count` images, which must be done well before the next poll would be."""
    dataset = await new_dataset(stack, SCENES[:count])
    return await asyncio.wait_for(generate(stack, dataset.style_id, select="missing"), 10)


async def test_a_webhook_finishes_the_step_without_waiting_for_the_next_poll(
    make_stack: StackFactory,
) -> None:
    async with make_stack(webhooks=True, **PATIENT) as stack:
        await stack.emulate(latency_s=0.3)

        finished = await generated(stack, 3)

        assert finished.job["status"] == "succeeded", finished.job
        stats = await stack.provider_stats()
        assert stats["submitted"] == 3
        assert stats["polled"] == 6, "one poll on submit, one on the webhook's nudge, per item"
        assert stats["webhooks_sent"] == 3
        [job, *_] = await stack.emulated_jobs()
        assert job["webhook"].startswith(f"{stack.gateway.url}/api/webhooks/runpod/")


async def test_a_webhook_delivered_twice_completes_the_step_once(make_stack: StackFactory) -> None:
    async with make_stack(webhooks=True, **PATIENT) as stack:
        await stack.emulate(latency_s=0.3, webhook_deliveries=2)

        finished = await generated(stack, 1)
        await asyncio.sleep(0.5)  # the second delivery has come by now

        assert finished.job["status"] == "succeeded"
        assert [e.event for e in finished.events].count("item.succeeded") == 1
        stats = await stack.provider_stats()
        assert (stats["webhooks_sent"], stats["submitted"]) == (2, 1)


async def test_a_late_replay_of_a_real_webhook_is_answered_and_ignored(
    make_stack: StackFactory,
) -> None:
    async with make_stack(webhooks=True, **PATIENT) as stack:
        await stack.emulate(latency_s=0.3)
        finished = await generated(stack, 1)
        [job] = await stack.emulated_jobs()

        async with httpx.AsyncClient() as provider:
            replay = await provider.post(
                job["webhook"], json={"id": job["id"], "status": "COMPLETED"}
            )

        assert finished.job["status"] == "succeeded"
        assert replay.status_code == 200
        assert replay.json()["outcome"] == "ignored"
        assert (await stack.provider_stats())["polled"] == 2, "nothing asked RunPod again"
