"""A style's dataset without a worker: listings, staleness, delete, history, candidates, ZIP."""

import io
import zipfile
from typing import Any

from actormaker.common.storage import Storage
from actormaker.common.style_files import StyleFolder
from tests.gateway.conftest import Gateway
from tests.styles.builders import create_style, picture, put_training_image, unique, upload


async def dataset_with_two_images(gateway: Gateway) -> tuple[dict[str, Any], list[str]]:
    """A style, base images a (captioned, with a training image) and b (no caption, none)."""
    style = await create_style(gateway.client)
    a, b = unique("a_"), unique("b_")
    await upload(gateway.client, f"{a}.jpg", caption="a movie scene of a harbour")
    await upload(gateway.client, f"{b}.jpg", picture(seed=2))
    await put_training_image(
        gateway.services.storage, style, a, caption="a movie scene of a harbour"
    )
    return style, [a, b]


def storage_of(gateway: Gateway) -> Storage:
    return gateway.services.storage


async def test_v1_lists_training_images_and_v2_pairs_base_images(gateway: Gateway) -> None:
    style, (a, b) = await dataset_with_two_images(gateway)
    url = f"/api/styles/{style['id']}/training-images"

    v1 = (await gateway.client.get(url, params={"version": "v1"})).json()["images"]
    assert [(i["filename"], i["base_image"], i["stale"]) for i in v1] == [
        (f"{a}_training.jpg", f"{a}.jpg", False)
    ]
    assert (await gateway.client.get(v1[0]["url"])).status_code == 200
    assert v1[0]["made_with"]["caption"] == "a movie scene of a harbour"

    v2 = (await gateway.client.get(url, params={"version": "v2"})).json()["images"]
    mine = {i["filename"]: i for i in v2 if i["filename"] in (f"{a}.jpg", f"{b}.jpg")}
    assert mine[f"{a}.jpg"]["has_caption"] is True
    assert mine[f"{a}.jpg"]["training_image"]["filename"] == f"{a}_training.jpg"
    assert mine[f"{b}.jpg"]["has_caption"] is False
    assert mine[f"{b}.jpg"]["training_image"] is None
    assert {"filename", "url"} <= set(mine[f"{b}.jpg"])
    assert (await gateway.client.get(url, params={"version": "v3"})).status_code == 422


async def test_changed_settings_or_caption_make_training_images_stale(gateway: Gateway) -> None:
    style, (a, _) = await dataset_with_two_images(gateway)
    url = f"/api/styles/{style['id']}/training-images"
    settings_url = f"/api/styles/{style['id']}/settings"
    settings = (await gateway.client.get(settings_url)).json()

    await gateway.client.put(settings_url, json=settings | {"denoise": 0.55})
    [image] = (await gateway.client.get(url)).json()["images"]
    assert (image["stale"], image["stale_reasons"]) == (True, ["settings"])

    await gateway.client.put(settings_url, json=settings)
    await gateway.client.put(f"/api/base-images/{a}.jpg/caption", json={"caption": "a new scene"})
    [image] = (await gateway.client.get(url)).json()["images"]
    assert (image["stale"], image["stale_reasons"]) == (True, ["caption"])


async def test_delete_moves_the_training_image_to_history_and_restore_brings_it_back(
    gateway: Gateway,
) -> None:
    style, (a, _) = await dataset_with_two_images(gateway)
    base = f"/api/styles/{style['id']}/training-images"
    filename = f"{a}_training.jpg"

    assert (await gateway.client.delete(f"{base}/{filename}")).status_code == 204
    assert (await gateway.client.get(base)).json()["images"] == []
    assert (await gateway.client.get(f"/api/base-images/{a}.jpg/caption")).status_code == 200
    assert (await gateway.client.delete(f"{base}/{filename}")).status_code == 404

    [version] = (await gateway.client.get(f"{base}/{filename}/history")).json()["versions"]
    restored = await gateway.client.post(f"{base}/{filename}/history/{version['version']}/restore")
    assert restored.status_code == 200
    assert restored.json()["training_image"]["filename"] == filename
    assert (await gateway.client.get(f"{base}/{filename}/history")).json()["versions"] == []


async def test_seed_delete_api_keeps_the_base_image(gateway: Gateway) -> None:
    style, (a, _) = await dataset_with_two_images(gateway)
    body = {"styleId": style["id"], "filename": f"{a}_training.jpg"}
    response = await gateway.client.post("/api/training-data/delete", json=body)
    assert response.status_code == 200
    assert response.json()["success"] is True
    listing = (await gateway.client.get(f"/api/styles/{style['id']}/training-images")).json()
    assert listing == {"images": []}
    assert await storage_of(gateway).exists(f"resources/input_images/{a}.jpg")

    for bad in (
        {"styleId": style["id"], "filename": f"{a}.jpg"},
        {"styleId": style["id"], "filename": "../../gateway.db"},
        {"styleId": "../x", "filename": f"{a}_training.jpg"},
    ):
        assert (await gateway.client.post("/api/training-data/delete", json=bad)).status_code == 422
    unknown = {"styleId": unique("nope"), "filename": f"{a}_training.jpg"}
    assert (await gateway.client.post("/api/training-data/delete", json=unknown)).status_code == 404


async def test_dataset_zip_holds_images_and_captions_with_the_trigger_once(
    gateway: Gateway,
) -> None:
    style, (a, _) = await dataset_with_two_images(gateway)
    storage = storage_of(gateway)
    legacy = unique("legacy_")
    await upload(gateway.client, f"{legacy}.jpg", caption="a street at night, style SBai_style_1")
    # made by the seed system: an image with neither record nor caption file
    folder = StyleFolder(style["folder"])
    await storage.write(folder.training(legacy).image, picture(seed=5))

    response = await gateway.client.get(f"/api/styles/{style['id']}/dataset.zip")
    assert response.headers["content-type"] == "application/zip"
    assert style["folder"] in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == sorted(
        f"{style['folder']}/{stem}_training.{ext}" for stem in (a, legacy) for ext in ("jpg", "txt")
    )
    caption = archive.read(f"{style['folder']}/{a}_training.txt").decode()
    assert caption == "a movie scene of a harbour, style SBai_style_1"
    legacy_caption = archive.read(f"{style['folder']}/{legacy}_training.txt").decode()
    assert legacy_caption == "a street at night, style SBai_style_1"


async def test_candidate_is_accepted_into_place_or_discarded(gateway: Gateway) -> None:
    style, (a, _) = await dataset_with_two_images(gateway)
    storage = storage_of(gateway)
    folder = StyleFolder(style["folder"])
    before = await storage.read(folder.training(a).image)
    keep, drop = unique("") * 4, unique("") * 4
    for candidate_id, denoise in ((keep, 0.5), (drop, 0.6)):
        record = await put_training_image(
            storage, style, a, caption="a movie scene of a harbour", denoise=denoise
        )
        for source, target in zip(
            folder.training(a).keys(), folder.candidate(candidate_id).keys(), strict=True
        ):
            await storage.copy(source, target)
        assert record.settings.denoise == denoise
    await put_training_image(storage, style, a, caption="a movie scene of a harbour")
    current = await storage.read(folder.training(a).image)
    assert current == before

    base = f"/api/styles/{style['id']}/candidates"
    listed = (await gateway.client.get(base)).json()["candidates"]
    assert {c["id"] for c in listed} == {keep, drop}
    assert all(c["training_image"]["filename"] == f"{a}_training.jpg" for c in listed)
    assert all(c["base_image_url"] for c in listed)

    assert (await gateway.client.delete(f"{base}/{drop}")).status_code == 204
    accepted = await gateway.client.post(f"{base}/{keep}/accept")
    assert accepted.status_code == 200
    made_with = accepted.json()["training_image"]["made_with"]
    assert made_with["settings"]["denoise"] == 0.5
    assert accepted.json()["training_image"]["stale"] is True, "made with other settings"
    assert (await gateway.client.get(base)).json()["candidates"] == []
    history = await gateway.client.get(
        f"/api/styles/{style['id']}/training-images/{a}_training.jpg/history"
    )
    assert len(history.json()["versions"]) == 1
    assert (await gateway.client.post(f"{base}/{drop}/accept")).status_code == 404
    assert (await gateway.client.post(f"{base}/not-an-id/accept")).status_code == 422
