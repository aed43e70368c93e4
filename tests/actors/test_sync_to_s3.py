"""sync-to-s3 end to end: local images go to S3 and response.json lists them afterwards."""

import asyncio

from tests.actors.helpers import ActorStack, legacy_response, md5, png


async def test_upload_puts_every_image_lists_it_in_response_json_and_then_skips(
    stack: ActorStack,
) -> None:
    actor_id, name, images = await stack.actor_with_local_images(count=5)
    path = f"/api/actors/{actor_id}/training-data/sync-to-s3"

    first = await stack.client.post(path, json={"actor_name": name})
    second = await stack.client.post(path)

    summary = first.json()
    assert first.status_code == 200, first.text
    expected_urls = [
        f"{stack.gateway.services.settings.s3_endpoint_url}/{stack.bucket}/{stack.key(name, f)}"
        for f in images
    ]
    assert {k: summary[k] for k in ("uploaded", "failed", "total", "s3_urls", "errors")} == {
        "uploaded": 5,
        "failed": 0,
        "total": 5,
        "s3_urls": expected_urls,
        "errors": [],
    }
    assert (second.json()["uploaded"], second.json()["skipped"]) == (5, 5)
    for filename, data in images.items():
        assert md5(await stack.get(stack.key(name, filename))) == md5(data)
    assert await stack.read_response(name) == {"s3_urls": expected_urls}
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert (view["s3_urls"], view["synced"]) == (expected_urls, True)


async def test_upload_keeps_the_legacy_envelope_and_existing_url_forms(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_with_local_images(count=3)
    first = next(iter(images))
    # The object is already listed under its accelerate URL; that URL must survive untouched.
    accelerate = f"https://{stack.bucket}.s3-accelerate.amazonaws.com/{stack.key(name, first)}"
    await stack.write_response(name, legacy_response([accelerate]))
    await stack.put(stack.key(name, first), b"an older version")

    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-to-s3")

    assert answer.json()["uploaded"] == 3
    document = await stack.read_response(name)
    urls = document["output"]["output"]["s3_image_urls"]
    assert urls[0] == accelerate
    assert len(urls) == 3
    assert (document["id"], document["output"]["output"]["type"]) == ("sync-5f0c2a1e-e1", "system")
    assert md5(await stack.get(stack.key(name, first))) == md5(images[first])


async def test_selective_upload_sends_only_the_chosen_files(stack: ActorStack) -> None:
    actor_id, name, _ = await stack.actor_with_local_images(count=4)

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-to-s3",
        json={"indices": [1], "filenames": [f"{name}_3.png"]},
    )

    assert answer.json()["total"] == 2
    listed = await stack.s3.list_objects_v2(Bucket=stack.bucket, Prefix=f"{stack.prefix}/{name}/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]) == [
        f"{name}_1.png",
        f"{name}_3.png",
    ]


async def test_concurrent_upload_jobs_of_one_actor_lose_no_url(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_with_local_images(count=12)
    names = list(images)
    path = f"/api/actors/{actor_id}/training-data/sync-to-s3"

    answers = await asyncio.gather(
        *(stack.client.post(path, json={"filenames": names[i::3]}) for i in range(3))
    )

    assert [a.json()["uploaded"] for a in answers] == [4, 4, 4]
    urls = (await stack.read_response(name))["s3_urls"]
    assert [url.rsplit("/", 1)[1] for url in urls] == names


async def test_upload_without_local_images_is_refused(stack: ActorStack) -> None:
    actor_id, name = await stack.new_actor()

    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-to-s3")

    assert answer.status_code == 422
    assert answer.json()["detail"] == f"{name} has no local training images to upload"


async def test_a_different_actor_name_in_the_body_is_refused(stack: ActorStack) -> None:
    actor_id, name = await stack.new_actor()

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-to-s3", json={"actor_name": "someone_else"}
    )

    assert answer.status_code == 422
    assert answer.json()["detail"] == f"actor {actor_id} is {name!r}, not 'someone_else'"


async def test_round_trip_download_changes_nothing_after_upload(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_with_local_images(count=2)
    await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-to-s3")
    await stack.storage.write(f"data/actors/{name}/training_data/{name}_0.png", png(500))

    answer = await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-from-s3")

    assert (answer.json()["downloaded"], answer.json()["skipped"]) == (2, 1)
    assert md5(stack.local(name)[f"{name}_0.png"]) == md5(images[f"{name}_0.png"])
