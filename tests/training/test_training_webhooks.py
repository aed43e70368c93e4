"""Completion without a tunnel: the seed's /api/training-webhook, checked, and never believed."""

import asyncio
from urllib.parse import parse_qs, urlsplit

from tests.faults.journeys import until
from tests.training.stack import Stack, StackFactory
from tests.training.test_training_runs import start_style_run


def webhook_of(stack: Stack) -> str:
    (job,) = [job for job in stack.runpod.emulator.jobs() if job.endpoint_id == "training"]
    assert job.webhook is not None
    return job.webhook


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_a_run_finishes_by_webhook_long_before_its_next_poll(
    make_stack: StackFactory,
) -> None:
    async with make_stack(webhooks=True, poll_initial_s=60, poll_max_interval_s=60) as stack:
        _, started = await start_style_run(stack)
        job = await stack.finished(started["job_id"], within=20)
        assert job["status"] == "succeeded"
        url = webhook_of(stack)
        assert url.startswith(f"{stack.gateway.url}/api/training-webhook?")
        query = parse_qs(urlsplit(url).query)
        assert set(query) == {"step", "token"}
        assert stack.runpod_jobs()["webhooks_sent"] >= 1


async def test_a_webhook_body_is_never_believed_only_the_provider_is(
    make_stack: StackFactory,
) -> None:
    async with make_stack(webhooks=True, training_s=30) as stack:
        _, started = await start_style_run(stack)
        version_id = started["version"]["id"]
        await until(lambda: _training(stack, version_id), within=20)
        await until(lambda: stack.runpod_jobs()["submitted"] == 1, within=20)
        url = local_path(webhook_of(stack))
        # The seed's flat success body, with the right token, while RunPod still trains.
        forged = {
            "status": "success",
            "job_id": version_id,
            "loraName": f"{version_id}.safetensors",
            "loraUrl": "https://s3-accelerate.amazonaws.com/elsewhere/evil.safetensors",
            "model_info": {"size_bytes": 1, "model_type": "lora"},
        }
        answer = await stack.client.post(url, json=forged)
        assert answer.status_code == 200
        assert answer.json()["outcome"] == "accepted"
        await asyncio.sleep(0.5)
        assert (await stack.version(version_id))["status"] == "training"
        await stack.client.post(f"/api/training/versions/{version_id}/cancel")


async def _training(stack: Stack, version_id: str) -> bool:
    return (await stack.version(version_id))["status"] == "training"


async def test_forged_and_unknown_webhooks_are_refused(make_stack: StackFactory) -> None:
    async with make_stack(webhooks=True) as stack:
        _, started = await start_style_run(stack)
        await stack.finished(started["job_id"])
        step = parse_qs(urlsplit(webhook_of(stack)).query)["step"][0]
        body = {"status": "success", "job_id": started["version"]["id"]}
        for query in (
            {"step": step, "token": "not-the-token"},
            {"step": step},
            {"step": "0" * 36 + "." + "0" * 36 + ".train", "token": "x"},
            {"step": "../../etc", "token": "x"},
        ):
            answer = await stack.client.post("/api/training-webhook", params=query, json=body)
            assert answer.status_code == 403, (query, answer.text)
            assert "webhook refused" in answer.json()["detail"]


async def test_doubled_and_late_webhooks_change_nothing(make_stack: StackFactory) -> None:
    async with make_stack(webhooks=True) as stack:
        stack.emulate_runpod(webhook_deliveries=2, webhook_delay_s=0.3)
        style, started = await start_style_run(stack)
        await stack.finished(started["job_id"])
        await until(lambda: stack.runpod_jobs()["webhooks_sent"] >= 2, within=10)
        wrapped = {"id": "whatever-e1", "status": "COMPLETED", "output": {"status": "success"}}
        late = await stack.client.post(local_path(webhook_of(stack)), json=wrapped)
        assert late.status_code == 200
        assert late.json()["outcome"] == "ignored"
        listing = (await stack.client.get(f"/api/styles/{style['id']}/training-versions")).json()
        assert [v["status"] for v in listing["versions"]] == ["completed"]
        assert stack.runpod_jobs()["submitted"] == 1
