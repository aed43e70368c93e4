"""The actor set through the stack: 12 images from the portrait, saved, uploaded, listed."""

import json

import pytest

from actormaker.common.actor_files import training_key
from tests.datagen.conftest import KONTEXT, Stack, StackFactory, image_size
from tests.faults.journeys import until
from tests.ledger_probe import every_submit_confirmed

pytestmark = pytest.mark.timeout(120)


async def start(stack: Stack, actor_id: int, **body: object) -> str:
    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/generate", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


async def test_the_seed_set_is_made_saved_uploaded_and_listed(stack: Stack) -> None:
    actor_id, name = await stack.new_actor(description="a tall woman with silver hair")

    job = await stack.finished(await start(stack, actor_id))

    assert job["status"] == "succeeded", job
    assert job["counts"]["succeeded"] == 12
    kinds = [item["output"]["images"][0]["kind"] for item in job["items"]]
    assert kinds == ["photoreal"] * 2 + ["bw_stylized"] * 6 + ["color_stylized"] * 4
    prompts = [item["output"]["images"][0]["description"] for item in job["items"]]
    assert len(set(prompts)) == 12
    assert all("silver hair" in prompt for prompt in prompts)
    for index in range(12):
        png = await stack.storage.read(training_key(name, f"{name}_{index}.png"))
        width, height = image_size(png)
        assert abs(width / height - 16 / 9) < 0.02
        assert (
            await stack.s3_object(f"system_actors/training_data/{name}/{name}_{index}.png") == png
        )
    manifest = json.loads(await stack.storage.read(training_key(name, "response.json")))
    assert len(manifest["s3_urls"]) == 12
    request = json.loads(await stack.storage.read(training_key(name, "request.json")))
    assert request["input"]["job_id"] == job["id"]
    assert stack.predictions(KONTEXT)["submitted"] == 12
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert len(view["s3_urls"]) == 12
    assert len(view["local_images"]) == 12


async def test_a_second_set_is_numbered_after_the_first(stack: Stack) -> None:
    actor_id, name = await stack.new_actor()
    mix = {"photoreal": 1, "bw_stylized": 1, "color_stylized": 0}
    await stack.finished(await start(stack, actor_id, mix=mix))

    second = await stack.finished(await start(stack, actor_id, mix=mix))

    assert [item["key"] for item in second["items"]] == [f"{name}_2.png", f"{name}_3.png"]
    manifest = json.loads(await stack.storage.read(training_key(name, "response.json")))
    assert len(manifest["s3_urls"]) == 4


async def test_a_failing_kind_ends_partial_with_a_reason_per_image(stack: Stack) -> None:
    actor_id, name = await stack.new_actor()
    stack.emulate_replicate(fail_prompts_containing=["black-and-white"])

    job = await stack.finished(await start(stack, actor_id))

    assert job["status"] == "partial", job
    failed = [item for item in job["items"] if item["status"] == "failed"]
    assert len(failed) == 6
    assert all("failed" in item["error"] for item in failed)
    made = [item for item in job["items"] if item["status"] == "succeeded"]
    assert len(made) == 6
    for item in made:
        assert await stack.storage.exists(training_key(name, item["key"]))


async def test_a_dry_run_estimates_and_calls_nothing(stack: Stack) -> None:
    actor_id, _ = await stack.new_actor()
    jobs_before = (await stack.client.get("/api/jobs")).json()["data"]

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/generate?dry_run=true", json={}
    )

    assert answer.status_code == 200, answer.text
    estimate = answer.json()
    assert estimate["provider_calls"] == {"kontext": 12, "upscale": 0, "vision": 0}
    assert estimate["cost_usd"] == pytest.approx(0.6)
    assert estimate["time_bound_s"] == pytest.approx(2 * 30.0)  # 12 images, 6 at a time
    assert (await stack.client.get("/api/jobs")).json()["data"] == jobs_before
    assert stack.predictions(KONTEXT)["submitted"] == 0


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"mix": {"photoreal": 0, "bw_stylized": 0, "color_stylized": 0}}, 422, "no image"),
        ({"actor_type": "dragonish"}, 422, "actor_type"),
        ({"portrait_url": "https://evil.example.com/face.png"}, 422, "not one"),
        ({"portrait_url": "s3://someone-elses-bucket/face.png"}, 422, "someone-elses-bucket"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
async def test_bad_requests_say_what_is_wrong(
    stack: Stack, body: dict[str, object], status: int, says: str
) -> None:
    actor_id, _ = await stack.new_actor()

    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/generate", json=body)

    assert answer.status_code == status, answer.text
    assert says in answer.text


async def test_an_actor_without_a_portrait_is_a_conflict(stack: Stack) -> None:
    actor_id, _ = await stack.new_actor(with_base_image=False)

    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/generate", json={})

    assert answer.status_code == 409, answer.text
    assert "portrait_url" in answer.json()["detail"]


async def test_an_unknown_actor_is_not_found(stack: Stack) -> None:
    answer = await stack.client.post("/api/actors/999999999/training-data/generate", json={})
    assert answer.status_code == 404


async def test_a_sigkilled_worker_costs_no_second_prediction(make_stack: StackFactory) -> None:
    async with make_stack(worker=False) as stack:
        stack.emulate_replicate(model_latency_s={KONTEXT: 1.5})
        actor_id, _ = await stack.new_actor()
        job_id = await start(stack, actor_id)
        async with stack.worker_process("first") as first:
            await until(lambda: stack.predictions(KONTEXT)["submitted"] >= 6)
            await until(
                lambda: every_submit_confirmed(
                    stack.common, stack.predictions(KONTEXT)["submitted"]
                )
            )
            await first.kill()
        async with stack.worker_process("second"):
            job = await stack.finished(job_id, within=90)

    assert job["status"] == "succeeded", job
    assert stack.predictions(KONTEXT)["submitted"] == 12
