"""Failures, cancellation and a misbehaving provider, through the whole stack."""

import json

from httpx_sse import ServerSentEvent

from actormaker.common.schemas.img2img import GenerateTrainingImage, Img2ImgSettings, StyleSpec
from actormaker.gateway.jobs import JobDraft, submit_job
from tests.img2img.conftest import Stack, StackFactory
from tests.img2img.helpers import SCENES, follow, generate, new_dataset, training_images
from tests.styles.conftest import WORKFLOWS


async def test_partial_failure_keeps_the_successes_and_the_failures_stay_retryable(
    stack: Stack,
) -> None:
    await stack.emulate(fail_prompts_containing=["FAILME"])
    captions = [*SCENES[:3], "a movie scene FAILME of a bridge", "a FAILME movie scene"]
    dataset = await new_dataset(stack, captions)
    failing = dataset.images[3:]

    finished = await generate(stack, dataset.style_id, select="missing")

    assert finished.job["status"] == "partial"
    assert finished.job["counts"]["succeeded"] == 3
    for name in failing:
        item = finished.items()[name]
        assert item["status"] == "failed"
        assert item["attempts"] == 1, "a job the provider failed is not retried"
        assert "Workflow execution error" in item["error"]
        assert "emulated failure" in item["error"]
    assert set(await training_images(stack, dataset.style_id)) == set(dataset.images[:3])

    for name in failing:
        await stack.client.put(f"/api/base-images/{name}/caption", json={"caption": "fixed"})
    retried = await generate(stack, dataset.style_id, select="missing")
    assert set(retried.items()) == set(failing)
    assert retried.job["status"] == "succeeded"


async def test_cancel_mid_batch_stops_remaining_work_and_cancels_provider_jobs(
    make_stack: StackFactory,
) -> None:
    async with make_stack(concurrency=2) as stack:
        await stack.emulate(latency_s=30)
        dataset = await new_dataset(stack, SCENES)
        response = await stack.client.post(
            f"/api/styles/{dataset.style_id}/generate", json={"select": "missing"}
        )
        job_id = response.json()["job_id"]
        running: set[str] = set()

        async def cancel_once_two_run(event: ServerSentEvent) -> None:
            if event.event == "item.progress" and "IN_PROGRESS" in event.json()["message"]:
                running.add(event.json()["item_key"])
                if len(running) == 2:
                    cancel = await stack.client.post(f"/api/jobs/{job_id}/cancel")
                    assert cancel.status_code == 202

        finished = await follow(stack, job_id, on_event=cancel_once_two_run)

        assert finished.job["status"] == "cancelled"
        assert finished.job["counts"]["cancelled"] == len(dataset.images)
        provider_jobs = await stack.emulated_jobs()
        assert len(provider_jobs) == 2, "queued items never reached the provider"
        assert all(j["status"] == "CANCELLED" and j["cancel_calls"] == 1 for j in provider_jobs)
        stats = await stack.provider_stats()
        assert (stats["submitted"], stats["cancelled"]) == (2, 2)
        assert await training_images(stack, dataset.style_id) == {}


async def test_provider_429s_and_500s_are_retried_until_every_image_is_made(
    stack: Stack,
) -> None:
    await stack.emulate(rate_limit_rate=0.3, server_error_rate=0.2, retry_after_s=0)
    dataset = await new_dataset(stack, SCENES)

    finished = await generate(stack, dataset.style_id, select="missing")

    assert finished.job["status"] == "succeeded", finished.job
    assert set(await training_images(stack, dataset.style_id)) == set(dataset.images)
    counters = stack.runpod.emulator.counters
    assert counters["faults.429"] > 0
    assert counters["faults.500"] > 0


async def test_a_hanging_provider_job_is_cancelled_and_the_image_made_on_retry(
    make_stack: StackFactory,
) -> None:
    async with make_stack(job_timeout_s=0.5) as stack:
        await stack.emulate(hang_rate=1.0)
        dataset = await new_dataset(stack, SCENES[:1])
        response = await stack.client.post(
            f"/api/styles/{dataset.style_id}/generate", json={"select": "missing"}
        )

        async def heal_after_the_first_submit(event: ServerSentEvent) -> None:
            if event.event == "item.progress" and "submitted" in event.json()["message"]:
                await stack.emulate(hang_rate=0.0)

        finished = await follow(
            stack, response.json()["job_id"], on_event=heal_after_the_first_submit
        )

        assert finished.job["status"] == "succeeded"
        [item] = finished.job["items"]
        assert item["attempts"] == 2
        assert any("did not finish within 0.5s" in m for m in finished.messages("item.retrying"))
        hung, made = await stack.emulated_jobs()
        assert (hung["status"], hung["cancel_calls"]) == ("CANCELLED", 1)
        assert made["status"] == "COMPLETED"


async def test_legacy_worker_output_format_is_understood(stack: Stack) -> None:
    await stack.emulate(output_format="legacy", image_format="JPEG")
    dataset = await new_dataset(stack, SCENES[:1])
    finished = await generate(stack, dataset.style_id, select="missing")
    assert finished.job["status"] == "succeeded"
    assert set(await training_images(stack, dataset.style_id)) == set(dataset.images)


async def test_worker_fails_commands_it_cannot_trust_without_retrying(stack: Stack) -> None:
    """Commands that skipped the gateway's checks: bad names and a workflow missing a node."""
    dataset = await new_dataset(stack, SCENES[:1])
    [image] = dataset.images
    style = dataset.style
    spec = StyleSpec(
        id=style["id"], name=style["name"], folder=style["folder"], lora_name=style["lora_name"]
    )
    draft = JobDraft(kind="test.img2img")
    broken = json.loads((WORKFLOWS / "img2img_workflow.json").read_text())
    del broken["205"]
    broken["150"]["inputs"]["model"] = ["1", 0]
    broken["132"]["inputs"]["clip"] = ["3", 0]
    commands = [
        draft.command(
            GenerateTrainingImage, key=key, style=spec, settings=Img2ImgSettings(), **fields
        )
        for key, fields in (
            ("traversal", {"image": "../../etc/passwd.jpg"}),
            ("missing", {"image": "not_uploaded.jpg"}),
            ("workflow", {"image": image, "workflow": broken}),
        )
    ]
    async with stack.gateway.services.sessions() as session:
        job = await submit_job(session, stack.gateway.bus, draft, commands, request={})

    finished = await follow(stack, job.id)

    items = finished.items()
    assert finished.job["status"] == "failed"
    assert all(item["attempts"] == 1 for item in items.values())
    assert "invalid name" in items["traversal"]["error"]
    assert items["missing"]["error"] == "base image not found: not_uploaded.jpg"
    assert "workflow lacks node 205 bound to 'lora_name'" in items["workflow"]["error"]
    assert await stack.emulated_jobs() == []
