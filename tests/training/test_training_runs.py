"""Training runs end to end: start → frozen dataset → upload → RunPod (emulated) → LoRA kept."""

from pathlib import Path
from typing import Any

from safetensors import safe_open

from actormaker.common.actor_files import training_key
from tests.faults.journeys import until
from tests.ledger_probe import every_submit_confirmed
from tests.styles.builders import picture
from tests.training.stack import Stack, StackFactory


async def start_style_run(
    stack: Stack, images: int = 3, *, captions: list[str] | None = None, **body: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    style, names = await stack.style_with_training_images(images, captions=captions)
    set_id = await stack.selection_set(f"styles/{style['id']}", names)
    started = await stack.start(
        style_id=style["id"], selection_set_id=set_id, version_name="v1.0", **body
    )
    assert started.status_code == 202, started.text
    return style, started.json()


def runpod_request(stack: Stack) -> dict[str, Any]:
    """The input of the one training job the RunPod emulator received."""
    (job,) = [job for job in stack.runpod.emulator.jobs() if job.endpoint_id == "training"]
    assert isinstance(job.input, dict)
    return job.input


def lora_tensors(data: bytes, tmp_path: Path) -> dict[str, list[int]]:
    path = tmp_path / "downloaded.safetensors"
    path.write_bytes(data)
    with safe_open(str(path), framework="numpy") as tensors:
        names = list(tensors.keys())
        return {name: list(tensors.get_slice(name).get_shape()) for name in names}


async def test_a_style_trains_by_polling_into_a_downloadable_lora(
    stack: Stack, tmp_path: Path
) -> None:
    style, started = await start_style_run(
        stack, parameters={"network_dim": 8, "network_alpha": 8, "save_dtype": "fp16"}
    )
    version = started["version"]
    assert version["id"] == f"style_{style['id']}_v1"
    assert version["status"] == "pending"
    job = await stack.finished(started["job_id"])
    assert job["status"] == "succeeded", job

    done = await stack.version(version["id"])
    assert done["status"] == "completed"
    assert done["completedAt"]
    assert done["parameters"] == {"network_dim": 8, "network_alpha": 8, "save_dtype": "fp16"}
    assert done["config"]["max_train_steps"] == 120  # 40 per image: the seed's default
    download = await stack.client.get(done["download_url"])
    assert download.status_code == 200
    assert f'filename="{version["id"]}.safetensors"' in download.headers["content-disposition"]
    assert done["lora"]["size_bytes"] == len(download.content)
    shapes = lora_tensors(download.content, tmp_path)
    downs = [shape for name, shape in shapes.items() if name.endswith("lora_down.weight")]
    assert downs
    assert all(shape[0] == 8 for shape in downs)
    assert all(name.startswith("lora_unet_") for name in shapes)

    listing = (await stack.client.get(f"/api/styles/{style['id']}/training-versions")).json()
    assert [v["id"] for v in listing["versions"]] == [version["id"]]
    assert stack.runpod_jobs()["submitted"] == 1


async def test_the_seeds_start_body_reaches_runpod_in_the_seeds_request_shape(
    stack: Stack,
) -> None:
    # The seed's body, 2000 steps and all: the original app replaced exactly 2000.
    parameters = {
        "network_dim": 16,
        "network_alpha": 16,
        "learning_rate": 0.0001,
        "max_train_steps": 2000,
        "class_tokens": "style inknoir",
    }
    _, started = await start_style_run(stack, parameters=parameters)
    await stack.finished(started["job_id"])
    request = runpod_request(stack)
    assert set(request) == {"workflow", "training_data", "training_config"}
    workflow = request["workflow"]
    assert workflow["107"]["inputs"]["max_train_steps"] == workflow["4"]["inputs"]["steps"] == 2000
    assert workflow["109"]["inputs"]["class_tokens"] == ""
    urls = request["training_data"]["s3_urls"]
    assert len(urls) == 6
    assert all(url.startswith(f"s3://{stack.bucket}/") for url in urls)
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == [
        "img_0001.jpg",
        "img_0001.txt",
        "img_0002.jpg",
        "img_0002.txt",
        "img_0003.jpg",
        "img_0003.txt",
    ]
    config = request["training_config"]
    assert config["mode"] == "custom-styles"
    assert config["max_train_steps"] == 2000
    assert config["learning_rate"] == 0.0001
    assert config["request_id"] == config["model_name"] == started["version"]["id"]
    version = await stack.version(started["version"]["id"])
    assert version["parameters"]["max_train_steps"] == 2000


async def test_the_trigger_appears_once_in_every_caption(stack: Stack) -> None:
    captions = ["a harbour at dawn, style inknoir", "a market street in rain", ""]
    style, started = await start_style_run(stack, captions=captions)
    await stack.finished(started["job_id"])
    version = await stack.version(started["version"]["id"])
    dataset = (
        await stack.client.get(
            f"/api/styles/{style['id']}/dataset-versions/{version['dataset_version_id']}"
        )
    ).json()
    texts = [image["caption"]["text"] for image in dataset["images"]]
    assert texts == [
        "a harbour at dawn, style inknoir",
        "a market street in rain, style inknoir",
        "style inknoir",
    ]
    for text in texts:
        assert text.count("style inknoir") == 1


async def test_the_same_set_freezes_to_the_same_dataset_and_a_change_is_a_diff(
    stack: Stack,
) -> None:
    style, started = await start_style_run(stack)
    await stack.finished(started["job_id"])
    first = await stack.version(started["version"]["id"])
    set_id = first["selectionSetId"]
    again = await stack.start(style_id=style["id"], selection_set_id=set_id, version_name="again")
    assert again.status_code == 202, again.text
    await stack.finished(again.json()["job_id"])
    second = await stack.version(again.json()["version"]["id"])
    assert second["dataset_version_id"] == first["dataset_version_id"]
    events = await stack.events(again.json()["job_id"])
    assert any("6 already there" in (event.get("message") or "") for event in events)

    names = (await stack.client.get(f"/api/styles/{style['id']}/selection-sets/{set_id}")).json()
    folder = style["folder"]
    caption_key = f"resources/style_images/{folder}/{names['images'][0].removesuffix('.jpg')}.txt"
    await stack.storage.write(caption_key, b"a different scene entirely")
    added = await stack.add_training_image(style, 99)
    await stack.client.put(
        f"/api/styles/{style['id']}/selection-sets/{set_id}",
        json={"images": [*names["images"], added]},
    )
    third = await stack.start(style_id=style["id"], selection_set_id=set_id, version_name="v3")
    await stack.finished(third.json()["job_id"])
    changed = await stack.version(third.json()["version"]["id"])
    diff = (
        await stack.client.get(
            f"/api/styles/{style['id']}/dataset-versions/{first['dataset_version_id']}"
            f"/diff/{changed['dataset_version_id']}"
        )
    ).json()
    assert [entry["image"] for entry in diff["added"]] == [added]
    assert diff["removed"] == []
    assert [entry["after"] for entry in diff["recaptioned"]] == [
        "a different scene entirely, style inknoir"
    ]
    assert diff["unchanged"] == 2


async def test_a_second_start_of_a_set_in_training_is_refused_unless_forced(
    make_stack: StackFactory,
) -> None:
    async with make_stack(training_s=30) as stack:
        style, started = await start_style_run(stack)
        body = {
            "style_id": style["id"],
            "selection_set_id": started["version"]["selectionSetId"],
            "version_name": "twice",
        }
        refused = await stack.start(**body)
        assert refused.status_code == 409
        assert started["version"]["id"] in refused.json()["detail"]
        forced = await stack.start(**body, force=True)
        assert forced.status_code == 202, forced.text
        for job_id in (started["job_id"], forced.json()["job_id"]):
            await stack.client.post(f"/api/jobs/{job_id}/cancel")


async def test_a_cancel_reaches_runpod_and_the_version_says_cancelled(
    make_stack: StackFactory,
) -> None:
    async with make_stack(training_s=30) as stack:
        _, started = await start_style_run(stack)
        version_id = started["version"]["id"]
        await until(lambda: _has_status(stack, version_id, "training"), within=20)
        await until(lambda: stack.runpod_jobs()["submitted"] == 1, within=20)
        answer = await stack.client.post(f"/api/training/versions/{version_id}/cancel")
        assert answer.status_code == 202, answer.text
        await stack.finished(started["job_id"])
        assert (await stack.version(version_id))["status"] == "cancelled"
        assert stack.runpod_jobs()["cancelled"] == 1


async def _has_status(stack: Stack, version_id: str, status: str) -> bool:
    return (await stack.version(version_id))["status"] == status


async def test_a_run_that_fails_on_runpod_fails_its_version_with_the_reason(
    stack: Stack,
) -> None:
    stack.emulate_runpod(failure_rate=1.0)
    _, started = await start_style_run(stack)
    await stack.finished(started["job_id"])
    version = await stack.version(started["version"]["id"])
    assert version["status"] == "failed"
    assert version["failedAt"]
    assert "RunPod job" in version["error"]
    assert version["download_url"] is None
    assert (
        await stack.client.get(f"/api/training/versions/{version['id']}/lora")
    ).status_code == 404


async def test_a_job_id_with_a_retry_suffix_is_polled_whole(stack: Stack) -> None:
    stack.emulate_runpod(job_id_suffix="-e1")
    _, started = await start_style_run(stack)
    job = await stack.finished(started["job_id"])
    assert job["status"] == "succeeded"
    (item,) = job["items"]
    assert item["output"]["provider_job_id"].endswith("-e1")


async def test_bad_starts_are_refused_saying_what_is_wrong(stack: Stack) -> None:
    style, names = await stack.style_with_training_images(2)
    set_id = await stack.selection_set(f"styles/{style['id']}", names)
    base = {"style_id": style["id"], "selection_set_id": set_id, "version_name": "v"}
    cases = [
        ({**base, "parameters": {"network_dim": 4, "network_alpha": 8}}, 422, "network_alpha"),
        ({**base, "parameters": {"lr_scheduler": "linear"}}, 422, "lr_scheduler"),
        ({**base, "parameters": {"max_train_steps": 50}}, 422, "max_train_steps"),
        ({**base, "actor_id": 1}, 422, "exactly one of style_id and actor_id"),
        ({**base, "style_id": None, "actor_id": 2**60}, 422, "actor_id"),  # no 500 on PostgreSQL
        ({**base, "selection_set_id": 77}, 404, "selection set"),
        ({**base, "style_id": "no-such-style"}, 404, "style"),
        ({**base, "backend": "replicate", "parameters": {"max_train_steps": 8000}}, 422, "6000"),
    ]
    for body, status, complaint in cases:
        answer = await stack.start(**body)
        assert answer.status_code == status, (body, answer.text)
        assert complaint in answer.text, (body, answer.text)
    assert stack.runpod_jobs()["submitted"] == 0


async def test_the_seeds_training_versions_file_imports_without_duplicates(stack: Stack) -> None:
    style, _ = await stack.style_with_training_images(1)
    record = {
        "id": "abc123-e1",
        "name": "V7",
        "timestamp": "2025-01-15T10:30:00Z",
        "parameters": {"network_dim": 16, "max_train_steps": 1200, "class_tokens": "style_16"},
        "status": "completed",
        "loraUrl": "https://s3-accelerate.amazonaws.com/bucket/style_16_vV7.safetensors",
        "selectionSetId": 1,
        "imageCount": 30,
        "isGood": True,
    }
    url = f"/api/styles/{style['id']}/training-versions"
    first = await stack.client.post(url, json={"versions": [record]})
    assert first.json() == {"created": ["abc123-e1"], "updated": []}
    again = await stack.client.post(url, json=record | {"name": "V7b"})  # one, as the UI saved
    assert again.json() == {"created": [], "updated": ["abc123-e1"]}
    (version,) = (await stack.client.get(url)).json()["versions"]
    assert version["name"] == "V7b"
    assert version["status"] == "completed"
    assert version["loraUrl"] == record["loraUrl"]
    assert version["isGood"] is True
    assert version["imported"] is True
    assert version["imageCount"] == 30
    chosen = await stack.client.post(f"/api/training/versions/{version['id']}/choose")
    assert chosen.status_code == 200
    assert chosen.json()["chosen"] is True


async def test_a_training_worker_killed_mid_run_trains_nothing_twice(
    make_stack: StackFactory,
) -> None:
    async with make_stack(worker=False, training_s=3) as stack:
        _, started = await start_style_run(stack)
        version_id = started["version"]["id"]
        async with stack.worker_process("first") as first:
            await until(lambda: _has_status(stack, version_id, "training"), within=30)
            await until(lambda: stack.runpod_jobs()["submitted"] == 1, within=30)
            await until(lambda: every_submit_confirmed(stack.common, 1))
            await first.kill()
        async with stack.worker_process("second"):
            job = await stack.finished(started["job_id"], within=90)
        assert job["status"] == "succeeded", job
        assert (await stack.version(version_id))["status"] == "completed"
        assert stack.runpod_jobs()["submitted"] == 1


async def test_an_actor_trains_on_images_without_captions_under_its_own_name(
    stack: Stack,
) -> None:
    actor_id, name = 920002, "0920002_test_actor"
    imported = await stack.client.post(
        "/api/actors/import", json=[{"id": actor_id, "name": name, "sex": "male"}]
    )
    assert imported.status_code == 200, imported.text
    images = [f"{name}_{n}.png" for n in (1, 2, 3)]
    for n, image in enumerate(images):
        await stack.storage.write(training_key(name, image), picture(96, 96, fmt="PNG", seed=n))
    set_id = await stack.selection_set(f"actors/{actor_id}", images)
    started = await stack.start(actor_id=actor_id, selection_set_id=set_id, version_name="V1")
    assert started.status_code == 202, started.text
    job = await stack.finished(started.json()["job_id"])
    assert job["status"] == "succeeded", job
    version = await stack.version(started.json()["version"]["id"])
    assert version["id"] == f"actor_{actor_id}_v1"
    assert version["config"]["class_tokens"] == name
    assert runpod_request(stack)["training_config"]["mode"] == "custom-actors"
    dataset = (
        await stack.client.get(
            f"/api/actors/{actor_id}/dataset-versions/{version['dataset_version_id']}"
        )
    ).json()
    assert [image["caption"]["text"] for image in dataset["images"]] == [name] * 3
    assert [image["file"] for image in dataset["images"]] == [
        "img_0001.png",
        "img_0002.png",
        "img_0003.png",
    ]


async def test_replicate_trains_the_same_dataset_by_signed_webhook(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    async with make_stack(webhooks=True, poll_initial_s=60, poll_max_interval_s=60) as stack:
        _, started = await start_style_run(
            stack, backend="replicate", parameters={"network_dim": 4, "network_alpha": 4}
        )
        job = await stack.finished(started["job_id"], within=30)
        assert job["status"] == "succeeded", job
        version = await stack.version(started["version"]["id"])
        assert version["backend"] == "replicate"
        assert version["status"] == "completed"
        (training,) = stack.replicate.emulator.trainings.runs.values()
        assert training.input["trigger_word"] == "style inknoir"
        assert training.input["steps"] == 120
        assert training.input["autocaption"] is False
        download = await stack.client.get(version["download_url"])
        shapes = lora_tensors(download.content, tmp_path)
        assert any(
            name.endswith("lora_down.weight") and shape[0] == 4 for name, shape in shapes.items()
        )
        assert (
            stack.replicate.emulator.stats()["ostris/flux-dev-lora-trainer"]["webhooks_sent"] >= 1
        )


async def test_a_replicate_training_that_fails_fails_its_version(stack: Stack) -> None:
    stack.emulate_replicate(failure_rate=1.0)
    _, started = await start_style_run(stack, backend="replicate")
    await stack.finished(started["job_id"])
    version = await stack.version(started["version"]["id"])
    assert version["status"] == "failed"
    assert "CUDA out of memory" in version["error"]
