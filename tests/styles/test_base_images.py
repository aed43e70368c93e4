"""Base images and captions over HTTP, image serving, and names that must never reach storage."""

import io

from PIL import Image

from tests.gateway.conftest import Gateway
from tests.styles.builders import picture, unique, upload


async def test_base_image_is_uploaded_listed_captioned_and_deleted(gateway: Gateway) -> None:
    client = gateway.client
    name = f"{unique('scene_')}.jpg"
    uploaded = await upload(client, name, caption="  a movie scene of a lighthouse  ")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["caption"] == "a movie scene of a lighthouse"

    listed = (await client.get("/api/base-images")).json()["images"]
    [entry] = [image for image in listed if image["filename"] == name]
    assert entry["caption"] == "a movie scene of a lighthouse"
    served = await client.get(entry["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == picture()

    caption_url = f"/api/base-images/{name}/caption"
    edited = await client.put(caption_url, json={"caption": "a movie scene of a storm"})
    assert edited.json() == {"filename": name, "caption": "a movie scene of a storm"}
    assert (await client.get(caption_url)).json()["caption"] == "a movie scene of a storm"
    cleared = await client.put(caption_url, json={"caption": ""})
    assert cleared.json()["caption"] is None

    assert (await client.delete(f"/api/base-images/{name}")).status_code == 204
    assert (await client.get(caption_url)).status_code == 404
    assert (await client.get(entry["url"])).status_code == 404


async def test_thumbnail_is_a_size_limited_jpeg(gateway: Gateway) -> None:
    name = f"{unique('wide_')}.png"
    await upload(gateway.client, name, picture(640, 360, fmt="PNG"))
    thumbnail = await gateway.client.get(
        f"/api/files/resources/input_images/{name}", params={"max_side": 100}
    )
    assert thumbnail.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.size == (100, 56)
    too_big = await gateway.client.get(
        f"/api/files/resources/input_images/{name}", params={"max_side": 5000}
    )
    assert too_big.status_code == 422


async def test_uploads_that_are_not_acceptable_images_are_refused(gateway: Gateway) -> None:
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    cases = [
        ("notes.jpg", b"just some text, not an image"),
        ("anim.jpg", gif.getvalue()),
        ("truncated.jpg", picture()[:200]),
        ("mislabelled.png", picture()),
        ("caption.txt", picture()),
        ("no_extension", picture()),
    ]
    for filename, data in cases:
        response = await upload(gateway.client, filename, data)
        assert response.status_code == 422, (filename, response.text)
    names = [
        image["filename"]
        for image in (await gateway.client.get("/api/base-images")).json()["images"]
    ]
    assert not set(names) & {filename for filename, _ in cases}


async def test_same_name_is_a_conflict_unless_replaced(gateway: Gateway) -> None:
    stem = unique("dup_")
    assert (await upload(gateway.client, f"{stem}.jpg")).status_code == 201
    assert (await upload(gateway.client, f"{stem}.png", picture(fmt="PNG"))).status_code == 409
    replaced = await gateway.client.post(
        "/api/base-images",
        params={"replace": "true"},
        files={"file": (f"{stem}.png", picture(fmt="PNG"), "image/png")},
    )
    assert replaced.status_code == 201
    names = [i["filename"] for i in (await gateway.client.get("/api/base-images")).json()["images"]]
    assert f"{stem}.png" in names
    assert f"{stem}.jpg" not in names


async def test_traversal_and_foreign_paths_never_reach_storage(gateway: Gateway) -> None:
    client = gateway.client
    for filename in ("../escape.jpg", "..%2Fescape.jpg", "/etc/passwd.jpg", ".hidden.jpg"):
        assert (await upload(client, filename)).status_code == 422, filename
    for url in (
        "/api/base-images/..%2F..%2Fetc%2Fpasswd/caption",
        "/api/base-images/%2E%2E/caption",
        "/api/files/resources/input_images/../../../etc/passwd",
        "/api/files/resources/input_images/%2E%2E/%2E%2E/gateway.db",
        "/api/files/data/actors/someone/base_image/someone_base.png",
        "/api/files/resources/input_images/notes.txt",
        "/api/files/%2Fetc%2Fpasswd",
    ):
        response = await client.get(url)
        assert response.status_code in (404, 422), (url, response.status_code)
        assert "root:" not in response.text
    delete = await client.delete("/api/base-images/..%5C..%5Cgateway.db")
    assert delete.status_code == 422
    missing = await client.get("/api/base-images/nothing_here.jpg/caption")
    assert missing.status_code == 404
