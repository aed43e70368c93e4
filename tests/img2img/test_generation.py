"""Every workflow of the seed's training-data manager, through the whole stack."""

import io
import json
import zipfile

from PIL import Image, ImageChops, ImageStat

from actormaker.common.schemas.img2img import TrainingImageRecord
from actormaker.common.style_files import StyleFolder
from tests.img2img.conftest import Stack
from tests.img2img.helpers import SCENES, follow, generate, new_dataset, training_images
from tests.styles.builders import picture
from tests.styles.conftest import WORKFLOWS


async def test_generate_missing_makes_a_restyled_training_image_per_base_image(
    stack: Stack,
) -> None:
    dataset = await new_dataset(stack, [*SCENES, None])

    finished = await generate(stack, dataset.style_id, select="missing")

    assert finished.job["status"] == "succeeded", finished.job
    assert set(finished.items()) == set(dataset.images)
    progress = finished.messages("item.progress")
    assert all(
        any(m.startswith(f"{name}: RunPod job") for m in progress) for name in dataset.images
    )
    uncaptioned = dataset.images[-1]
    assert finished.messages("item.warning") == [
        f"{uncaptioned}: no caption; using the default prompt 'a movie scene'"
    ]
    listed = await training_images(stack, dataset.style_id)
    assert set(listed) == set(dataset.images)
    assert not any(image["stale"] for image in listed.values())

    folder = StyleFolder(dataset.style["folder"])
    first, stem = dataset.images[0], dataset.images[0].removesuffix(".jpg")
    record = TrainingImageRecord.model_validate_json(
        await stack.storage.read(folder.training(stem).record)
    )
    assert record.prompt == f"bold black and white line art, {SCENES[0]}, frank miller style"
    assert record.caption_source == "file"
    assert finished.items()[first]["output"]["runpod_job_id"] == record.runpod_job_id
    caption = (await stack.storage.read(folder.training(stem).caption)).decode()
    assert caption == f"{SCENES[0]}, style SBai_style_1"
    default = dataset.images[-1].removesuffix(".jpg")
    default_record = await stack.storage.read(folder.training(default).record)
    assert json.loads(default_record)["caption_source"] == "default"

    with Image.open(io.BytesIO(await stack.storage.read(folder.training(stem).image))) as made:
        assert (made.format, made.size) == ("JPEG", (128, 72))
        source = Image.open(io.BytesIO(picture(seed=0))).convert("RGB").resize(made.size)
        difference = ImageStat.Stat(ImageChops.difference(made.convert("RGB"), source)).mean
        assert sum(difference) / 3 > 20, "the result is visibly restyled"

    again = await generate(stack, dataset.style_id, select="missing")
    assert again.job["counts"]["total"] == 0, "nothing is missing any more"


async def test_generate_selected_then_recreate_keeps_the_previous_image_in_history(
    stack: Stack,
) -> None:
    dataset = await new_dataset(stack, SCENES[:3])
    chosen = dataset.images[:2]

    first = await generate(stack, dataset.style_id, images=chosen)
    assert first.job["status"] == "succeeded"
    assert set(await training_images(stack, dataset.style_id)) == set(chosen)

    recreated = await generate(stack, dataset.style_id, images=[chosen[0]])
    assert recreated.job["status"] == "succeeded"
    listed = await training_images(stack, dataset.style_id)
    new_job = recreated.items()[chosen[0]]["output"]["runpod_job_id"]
    assert listed[chosen[0]]["made_with"]["runpod_job_id"] == new_job

    filename = listed[chosen[0]]["filename"]
    history_url = f"/api/styles/{dataset.style_id}/training-images/{filename}/history"
    [old] = (await stack.client.get(history_url)).json()["versions"]
    assert old["made_with"]["runpod_job_id"] == first.items()[chosen[0]]["output"]["runpod_job_id"]
    restored = await stack.client.post(f"{history_url}/{old['version']}/restore")
    assert restored.json()["training_image"]["made_with"]["runpod_job_id"] != new_job


async def test_deleted_training_image_is_generated_again_as_missing(stack: Stack) -> None:
    dataset = await new_dataset(stack, SCENES[:2])
    await generate(stack, dataset.style_id, select="missing")
    victim = dataset.images[1]
    filename = (await training_images(stack, dataset.style_id))[victim]["filename"]

    deleted = await stack.client.post(
        "/api/training-data/delete", json={"styleId": dataset.style_id, "filename": filename}
    )
    assert deleted.json()["success"] is True
    assert set(await training_images(stack, dataset.style_id)) == {dataset.images[0]}
    assert (await stack.client.get(f"/api/base-images/{victim}/caption")).status_code == 200

    regenerated = await generate(stack, dataset.style_id, select="missing")
    assert list(regenerated.items()) == [victim]
    assert set(await training_images(stack, dataset.style_id)) == set(dataset.images)


async def test_stale_images_are_selected_and_regenerated_after_a_settings_change(
    stack: Stack,
) -> None:
    dataset = await new_dataset(stack, SCENES[:3])
    await generate(stack, dataset.style_id, select="all")
    settings_url = f"/api/styles/{dataset.style_id}/settings"
    settings = (await stack.client.get(settings_url)).json()
    await stack.client.put(settings_url, json=settings | {"denoise": 0.5})
    await stack.client.put(
        f"/api/base-images/{dataset.images[0]}/caption", json={"caption": "a new scene"}
    )
    before = await training_images(stack, dataset.style_id)
    assert [before[name]["stale_reasons"] for name in dataset.images] == [
        ["settings", "caption"],
        ["settings"],
        ["settings"],
    ]

    regenerated = await generate(stack, dataset.style_id, select="stale")

    assert set(regenerated.items()) == set(dataset.images)
    listed = await training_images(stack, dataset.style_id)
    assert not any(image["stale"] for image in listed.values())
    assert listed[dataset.images[0]]["made_with"]["caption"] == "a new scene"
    zipped = await stack.client.get(f"/api/styles/{dataset.style_id}/dataset.zip")
    assert len(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == 2 * len(dataset.images)


async def test_edit_makes_a_candidate_that_is_compared_then_accepted(stack: Stack) -> None:
    dataset = await new_dataset(stack, SCENES[:1])
    [image] = dataset.images
    await generate(stack, dataset.style_id, images=[image])
    folder = StyleFolder(dataset.style["folder"])
    stem = image.removesuffix(".jpg")
    current = await stack.storage.read(folder.training(stem).image)

    tries = []
    for denoise in (0.3, 0.95):
        response = await stack.client.post(
            f"/api/styles/{dataset.style_id}/candidates",
            json={"image": image, "settings": {"denoise": denoise}},
        )
        assert response.status_code == 202
        tries.append(await follow(stack, response.json()["job_id"]))
    assert all(t.job["status"] == "succeeded" for t in tries)
    assert await stack.storage.read(folder.training(stem).image) == current, "dataset untouched"

    listed = (await stack.client.get(f"/api/styles/{dataset.style_id}/candidates")).json()
    by_denoise = {c["made_with"]["settings"]["denoise"]: c for c in listed["candidates"]}
    assert set(by_denoise) == {0.3, 0.95}
    keep, drop = by_denoise[0.3], by_denoise[0.95]
    assert keep["training_image"]["filename"] == f"{stem}_training.jpg"
    side_by_side = [keep["url"], keep["training_image"]["url"], keep["base_image_url"]]
    for url in side_by_side:
        assert (await stack.client.get(url)).status_code == 200, url

    base = f"/api/styles/{dataset.style_id}/candidates"
    assert (await stack.client.delete(f"{base}/{drop['id']}")).status_code == 204
    accepted = await stack.client.post(f"{base}/{keep['id']}/accept")
    assert accepted.json()["training_image"]["made_with"]["settings"]["denoise"] == 0.3
    assert await stack.storage.read(folder.training(stem).image) != current
    assert (await stack.client.get(base)).json() == {"candidates": []}


async def test_the_seed_request_body_works_and_waits_for_the_seed_response(stack: Stack) -> None:
    dataset = await new_dataset(stack, SCENES[:2])
    workflow = json.loads((WORKFLOWS / "img2img_workflow.json").read_text())
    body = {
        "images": [
            {
                "filename": name,
                "path": f"/resources/input_images/{name}",
                "fs_path": f"../resources/input_images/{name}",
                "Prompt": "a movie scene of a person standing in a forest",
            }
            for name in dataset.images
        ],
        "workflow": workflow,
        "settings": {
            "seed": 877452,
            "steps": 20,
            "cfg": 1,
            "denoise": 0.8,
            "guidance": 3.5,
            "width": 1360,
            "height": 768,
            "samplerName": "euler",
            "schedulerName": "ddim_uniform",
        },
        "styleId": dataset.style_id,
        "styleLoraName": "SBai_style_1.safetensors",
        "loraStrengthModel": 1.1,
        "loraStrengthClip": 1.1,
        "promptFrontpad": "bold black and white line art...",
        "promptBackpad": "frank miller style...",
    }

    response = await stack.client.post("/api/training-data/generate", json=body)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert {k: answer[k] for k in ("success", "total", "successful", "failed")} == {
        "success": True,
        "total": 2,
        "successful": 2,
        "failed": 0,
    }
    for result, name in zip(answer["results"], dataset.images, strict=True):
        assert result["filename"] == name
        assert result["success"] is True
        assert result["result"]["status"] == "COMPLETED"
        assert result["result"]["output"]["width"] == 1360
    listed = await training_images(stack, dataset.style_id)
    made_with = listed[dataset.images[0]]["made_with"]
    assert made_with["prompt"] == (
        "bold black and white line art..., a movie scene of a person standing in a forest, "
        "frank miller style..."
    )
    assert made_with["settings"]["height"] == 768

    accepted = await stack.client.post(
        "/api/training-data/generate", headers={"Prefer": "respond-async"}, json=body
    )
    assert accepted.status_code == 202
    assert accepted.headers["Preference-Applied"] == "respond-async"
    assert set(accepted.json()) == {"job_id", "status", "status_url", "events_url"}
    assert (await follow(stack, accepted.json()["job_id"])).job["status"] == "succeeded"


async def test_a_seed_batch_reports_an_unknown_image_as_failed_and_does_the_rest(
    stack: Stack,
) -> None:
    dataset = await new_dataset(stack, SCENES[:1])
    [known] = dataset.images
    body = {
        "images": [{"filename": known}, {"filename": "never_uploaded.jpg"}],
        "workflow": {},  # the seed UI's placeholder: the server's template
        "styleId": dataset.style_id,
    }

    response = await stack.client.post("/api/training-data/generate", json=body)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["success"], answer["successful"], answer["failed"]) == (False, 1, 1)
    by_name = {result["filename"]: result for result in answer["results"]}
    assert by_name[known]["success"] is True
    assert by_name["never_uploaded.jpg"] == {
        "filename": "never_uploaded.jpg",
        "success": False,
        "error": "base image not found: never_uploaded.jpg",
    }
    assert set(await training_images(stack, dataset.style_id)) == {known}
