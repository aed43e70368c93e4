"""The style set through the stack: grids, the vision pick, exact tiles, upscales, captions."""

import json
import re
from typing import Any

import pytest

from actormaker.common.storage import join_key
from actormaker.common.style_files import StyleFolder
from tests.datagen.conftest import KONTEXT, UPSCALE, Stack, StackFactory, image_size
from tests.faults.journeys import until
from tests.ledger_probe import every_submit_confirmed

pytestmark = pytest.mark.timeout(120)

VISION = "gpt-4.1-mini"


async def start(stack: Stack, style_id: str, **body: object) -> str:
    answer = await stack.client.post(
        f"/api/styles/{style_id}/training-data/generate-from-source", json=body
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


async def generated(stack: Stack, style: dict[str, Any]) -> dict[str, bytes]:
    """The style's generated training images (and their captions and records) by file name."""
    folder = StyleFolder(style["folder"]).prefix
    infos = await stack.storage.list(folder)
    return {
        info.key.rsplit("/", 1)[-1]: await stack.storage.read(info.key)
        for info in infos
        if info.key.count("/") == folder.count("/") + 1 and "/gen-" in info.key
    }


def captions(files: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode() for name, data in files.items() if name.endswith(".txt")}


async def test_twenty_images_from_three_grids_with_one_trigger_each(stack: Stack) -> None:
    style, source = await stack.new_style()

    job = await stack.finished(await start(stack, style["id"], base_image=source))

    assert job["status"] == "succeeded", job
    assert [item["key"] for item in job["items"]] == ["grid-1", "grid-2", "grid-3"]
    files = await generated(stack, style)
    images = {name: data for name, data in files.items() if name.endswith(".jpg")}
    assert len(images) == 20
    # Tiles of a 256-pixel grid are 85 pixels, upscaled 2x.
    assert {image_size(data) for data in images.values()} == {(170, 170)}
    for caption in captions(files).values():
        assert caption.endswith(", inknoir")
        assert caption.count("inknoir") == 1
        assert "artistic style" not in caption
    assert len(captions(files)) == 20
    assert stack.predictions(KONTEXT)["submitted"] == 3
    assert stack.predictions(UPSCALE)["submitted"] == 20
    listed = (await stack.client.get(f"/api/styles/{style['id']}/training-images")).json()
    assert len(json.dumps(listed).split("_training.jpg")) - 1 >= 20


async def test_duplicate_tiles_are_left_out_and_another_grid_fills_in(stack: Stack) -> None:
    stack.emulate_replicate(duplicate_tiles=4)  # each grid has 5 unique tiles
    style, source = await stack.new_style()

    job = await stack.finished(await start(stack, style["id"], base_image=source, target_count=9))

    assert job["status"] == "succeeded", job
    assert stack.predictions(KONTEXT)["submitted"] == 2
    assert stack.predictions(UPSCALE)["submitted"] == 9
    descriptions = [image["description"] for image in job["items"][0]["output"]["images"]]
    assert len(set(descriptions)) == 9


async def test_a_garbage_vision_answer_falls_back_to_corners_and_centre(stack: Stack) -> None:
    stack.emulate_openai(garbage_rate=1.0)
    style, source = await stack.new_style()

    job_id = await start(stack, style["id"], base_image=source, target_count=5)
    job = await stack.finished(job_id)

    assert job["status"] == "succeeded", job
    warnings = [e for e in await stack.events(job_id) if e["type"] == "item.warning"]
    assert any("corners and the centre" in w["message"] for w in warnings)
    assert stack.predictions(UPSCALE)["submitted"] == 5


async def test_the_rotation_never_repeats_a_subject_across_runs(stack: Stack) -> None:
    style, source = await stack.new_style()

    first = await stack.finished(await start(stack, style["id"], base_image=source, target_count=9))
    second = await stack.finished(
        await start(stack, style["id"], base_image=source, target_count=9)
    )

    def subjects(job: dict[str, Any]) -> set[str]:
        return {image["description"] for image in job["items"][0]["output"]["images"]}

    assert len(subjects(first)) == len(subjects(second)) == 9
    assert not subjects(first) & subjects(second)
    rotation_key = join_key(StyleFolder(style["folder"]).prefix, "tile_rotation.json")
    assert len(json.loads(await stack.storage.read(rotation_key))["used"]) == 18


async def test_provider_failures_keep_what_was_made_and_give_each_reason(
    make_stack: StackFactory,
) -> None:
    async with make_stack(gateway={"datagen_max_grids": 1}) as stack:
        stack.emulate_replicate(failure_rate=0.5, seed=3)
        style, source = await stack.new_style()

        job = await stack.finished(
            await start(stack, style["id"], base_image=source, target_count=18)
        )
        on_disk = len([n for n in await generated(stack, style) if n.endswith(".jpg")])

    failed = [item for item in job["items"] if item["status"] == "failed"]
    assert failed, job
    assert job["status"] in {"partial", "failed"}
    kept = 0
    for item in job["items"]:
        if item["status"] == "succeeded":
            kept += len(item["output"]["images"])
            continue
        shortfall = re.search(r"kept (\d+) of 9 images after 1 grids: (.+)", item["error"])
        assert shortfall, item["error"]
        assert "failed" in shortfall[2]
        kept += int(shortfall[1])
    assert on_disk == kept  # nothing made is lost, nothing is half-saved


async def test_cancel_stops_the_running_predictions(stack: Stack) -> None:
    stack.emulate_replicate(model_latency_s={KONTEXT: 30.0})
    style, source = await stack.new_style()
    job_id = await start(stack, style["id"], base_image=source)
    await until(lambda: stack.predictions(KONTEXT)["submitted"] == 3)

    answer = await stack.client.post(f"/api/jobs/{job_id}/cancel")
    job = await stack.finished(job_id)

    assert answer.status_code == 202
    assert job["status"] == "cancelled", job
    assert stack.predictions(KONTEXT)["cancelled"] == 3
    assert stack.predictions(UPSCALE)["submitted"] == 0


async def test_debug_keeps_every_grid_and_tile(stack: Stack) -> None:
    style, source = await stack.new_style()

    await stack.finished(
        await start(stack, style["id"], base_image=source, target_count=2, debug=True)
    )

    debug = join_key(StyleFolder(style["folder"]).prefix, "debug")
    names = [info.key.rsplit("/", 1)[-1] for info in await stack.storage.list(debug)]
    assert len([n for n in names if "-grid1-tile" in n]) == 9
    assert len([n for n in names if n.endswith("-grid1.png")]) == 1


async def test_a_dry_run_quotes_grids_upscales_and_vision_calls(stack: Stack) -> None:
    style, source = await stack.new_style()

    answer = await stack.client.post(
        f"/api/styles/{style['id']}/training-data/generate-from-source?dry_run=true",
        json={"base_image": source},
    )

    assert answer.status_code == 200, answer.text
    estimate = answer.json()
    assert estimate["items"] == 3
    assert estimate["provider_calls"] == {"kontext": 3, "upscale": 20, "vision": 3}
    assert estimate["cost_usd"] == pytest.approx(3 * 0.05 + 20 * 0.02 + 3 * 0.002)
    assert estimate["time_bound_s"] == pytest.approx(30 + 5 + 3 * 30)
    assert stack.predictions(KONTEXT)["submitted"] == 0


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({}, 422, "exactly one of"),
        ({"base_image": "a.jpg", "source_image_url": "https://x.example/a.jpg"}, 422, "exactly"),
        ({"base_image": "../../etc/passwd"}, 422, "base_image"),
        ({"base_image": "nowhere.jpg"}, 404, "nowhere.jpg"),
        ({"source_image_url": "https://evil.example.com/a.png"}, 422, "not one"),
        ({"source_image_url": "http://plain.example.com/a.png"}, 422, "source_image_url"),
        ({"base_image": "a.jpg", "target_count": 0}, 422, "target_count"),
        ({"base_image": "a.jpg", "target_count": 1000}, 422, "target_count"),
    ],
)
async def test_bad_requests_say_what_is_wrong(
    stack: Stack, body: dict[str, object], status: int, says: str
) -> None:
    style, _ = await stack.new_style()

    answer = await stack.client.post(
        f"/api/styles/{style['id']}/training-data/generate-from-source", json=body
    )

    assert answer.status_code == status, answer.text
    assert says in answer.text


async def test_a_url_on_an_allowed_host_or_bucket_is_accepted(make_stack: StackFactory) -> None:
    async with make_stack(gateway={"datagen_source_hosts": ["images.example.com"]}) as stack:
        style, _ = await stack.new_style()
        for url in (
            "https://images.example.com/style.png",
            f"s3://{stack.bucket}/styles/source.png",
        ):
            answer = await stack.client.post(
                f"/api/styles/{style['id']}/training-data/generate-from-source?dry_run=true",
                json={"source_image_url": url},
            )
            assert answer.status_code == 200, (url, answer.text)


async def test_a_sigkilled_worker_resumes_without_paying_twice(make_stack: StackFactory) -> None:
    async with make_stack(worker=False) as stack:
        stack.emulate_replicate(model_latency_s={UPSCALE: 0.8})
        style, source = await stack.new_style()
        job_id = await start(stack, style["id"], base_image=source, target_count=9)
        async with stack.worker_process("first") as first:
            await until(lambda: stack.predictions(UPSCALE)["submitted"] >= 3, within=60)
            await until(
                lambda: every_submit_confirmed(
                    stack.common,
                    stack.predictions(KONTEXT)["submitted"]
                    + stack.predictions(UPSCALE)["submitted"],
                )
            )
            await first.kill()
        async with stack.worker_process("second"):
            job = await stack.finished(job_id, within=90)

    assert job["status"] == "succeeded", job
    assert stack.predictions(KONTEXT)["submitted"] == 1
    assert stack.predictions(UPSCALE)["submitted"] == 9
    assert stack.openai.emulator.stats()[VISION]["requests"] == 1


async def test_signed_webhooks_finish_each_step_without_waiting_for_a_poll(
    make_stack: StackFactory,
) -> None:
    # Far longer than the test may take: only the webhooks can finish the steps in time.
    patient = {"poll_initial_s": 30.0, "poll_max_interval_s": 30.0}
    async with make_stack(webhooks=True, **patient) as stack:
        stack.emulate_replicate(latency_s=0.5)  # the first poll, right after submit, is early
        style, source = await stack.new_style()
        job_id = await start(stack, style["id"], base_image=source, target_count=3)

        job = await stack.finished(job_id, within=20)

    assert job["status"] == "succeeded", job
    assert stack.predictions(KONTEXT)["webhooks_sent"] == 1
    assert stack.predictions(UPSCALE)["webhooks_sent"] == 3
    assert stack.predictions(UPSCALE)["submitted"] == 3
