"""Removing local copies (S3 untouched) and the storage-usage report."""

from tests.actors.helpers import ActorStack, png


async def test_removing_local_images_keeps_json_base_image_and_s3(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=3)
    await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-from-s3")
    await stack.storage.write(f"data/actors/{name}/base_image/{name}_base.png", png(1))

    one = await stack.client.delete(
        f"/api/actors/{actor_id}/training-data/local", params={"indices": [1]}
    )
    rest = await stack.client.delete(f"/api/actors/{actor_id}/training-data/local")

    assert one.json() == {
        "actor_id": actor_id,
        "actor_name": name,
        "removed": [f"{name}_1.png"],
        "freed_bytes": len(images[f"{name}_1.png"]),
    }
    assert rest.json()["removed"] == [f"{name}_0.png", f"{name}_2.png"]
    assert set(stack.local(name)) == {"response.json"}
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert view["local_images"] == []
    assert view["base_image_path"] == f"/data/actors/{name}/base_image/{name}_base.png"
    assert (view["synced"], len(view["s3_urls"])) == (False, 3)
    for filename, data in images.items():
        assert await stack.get(stack.key(name, filename)) == data


async def test_storage_usage_per_actor_and_in_total(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_with_local_images(count=2)
    base = png(3)
    await stack.storage.write(f"data/actors/{name}/base_image/{name}_base.png", base)
    stray = f"not_in_catalog_{actor_id}"
    await stack.storage.write(f"data/actors/{stray}/training_data/x_0.png", b"12345")

    one = (await stack.client.get(f"/api/actors/{actor_id}/storage-usage")).json()
    report = (await stack.client.get("/api/actors/storage-usage")).json()

    image_bytes = sum(len(data) for data in images.values())
    assert one == {
        "actor_id": actor_id,
        "actor_name": name,
        "files": 3,
        "bytes": image_bytes + len(base),
        "training_images": 2,
        "training_bytes": image_bytes,
        "base_image_bytes": len(base),
    }
    by_name = {entry["actor_name"]: entry for entry in report["actors"]}
    assert by_name[name] == one
    assert (by_name[stray]["actor_id"], by_name[stray]["bytes"]) == (None, 5)
    assert report["total"]["files"] == sum(entry["files"] for entry in report["actors"])
    assert report["total"]["bytes"] == sum(entry["bytes"] for entry in report["actors"])
    assert report["total"]["actors"] == len(report["actors"])


async def test_unknown_file_selection_is_refused(stack: ActorStack) -> None:
    actor_id, name, _ = await stack.actor_with_local_images(count=1)

    answer = await stack.client.delete(
        f"/api/actors/{actor_id}/training-data/local", params={"filenames": ["nope.png"]}
    )

    assert answer.status_code == 422
    assert "name ['nope.png']" in answer.json()["detail"]
    assert set(stack.local(name)) == {f"{name}_0.png"}
