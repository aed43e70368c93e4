"""sync-from-s3 end to end: gateway → NATS → s3sync worker → moto S3 → workspace storage."""

import json
from urllib.parse import quote

import pytest

from actormaker.common.actor_files import training_key
from actormaker.common.storage import validate_name
from tests.actors.helpers import RESPOND_ASYNC, ActorStack, legacy_response, md5, png
from tests.gateway.helpers import job_when_final, read_sse


async def test_the_seed_summary_is_the_answer_and_a_second_run_skips_everything(
    stack: ActorStack,
) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=12)
    path = f"/api/actors/{actor_id}/training-data/sync-from-s3"

    first = await stack.client.post(path, json={"actor_name": name})
    second = await stack.client.post(path)

    assert first.status_code == 200, first.text
    summary = first.json()
    assert {k: summary[k] for k in ("downloaded", "failed", "total", "errors", "skipped")} == {
        "downloaded": 12,
        "failed": 0,
        "total": 12,
        "errors": [],
        "skipped": 0,
    }
    assert summary["status"] == "succeeded"
    assert (second.json()["downloaded"], second.json()["skipped"]) == (12, 12)
    local = stack.local(name)
    assert {n: md5(d) for n, d in local.items() if n in images} == {
        n: md5(d) for n, d in images.items()
    }
    assert set(local) == {*images, "response.json"}, "no temp files are left behind"
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert view["synced"] is True
    assert view["local_images"] == [f"{name}_{i}.png" for i in range(12)]


async def test_progress_streams_one_event_per_file_over_sse(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=4)

    accepted = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-from-s3", headers=RESPOND_ASYNC
    )
    events = await read_sse(stack.client, accepted.json()["events_url"])

    assert accepted.status_code == 202
    assert set(accepted.json()) == {"job_id", "status", "status_url", "events_url"}
    done = [json.loads(e.data) for e in events if e.event == "item.succeeded"]
    assert sorted(event["item_key"] for event in done) == sorted(images)
    assert {event["group"] for event in done} == {name}
    assert {event["output"]["action"] for event in done} == {"downloaded"}
    assert events[-1].event == "job.finished"
    assert json.loads(events[-1].data)["status"] == "succeeded"


async def test_selective_sync_downloads_only_the_chosen_indices_and_names(
    stack: ActorStack,
) -> None:
    actor_id, name, _ = await stack.actor_in_s3(count=6)
    path = f"/api/actors/{actor_id}/training-data/sync-from-s3"

    answer = await stack.client.post(path, json={"indices": [0, 3], "filenames": [f"{name}_5.png"]})
    unknown = await stack.client.post(path, json={"indices": [9]})

    assert answer.json()["total"] == 3
    assert set(stack.local(name)) == {f"{name}_{i}.png" for i in (0, 3, 5)} | {"response.json"}
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert view["synced"] is False
    assert unknown.status_code == 422
    assert "no file with index [9]" in unknown.json()["detail"]


async def test_a_missing_key_fails_its_file_and_the_others_still_download(
    stack: ActorStack,
) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=4)
    missing = stack.url(name, f"{name}_99.png")
    urls = [stack.url(name, filename) for filename in images] + [missing]

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-from-s3",
        json={"s3_urls": urls},
    )

    summary = answer.json()
    assert (summary["status"], summary["downloaded"], summary["failed"]) == ("partial", 4, 1)
    assert summary["total"] == 5
    [error] = summary["errors"]
    assert error.startswith(f"{name}_99.png: S3 object not found: s3://{stack.bucket}/")
    assert set(stack.local(name)) == {*images, "response.json"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://foreign-bucket.s3.us-west-1.amazonaws.com/a/b.png", "not on the allow-list"),
        ("s3://foreign-bucket/a/b.png", "not on the allow-list"),
        ("https://{bucket}.s3.amazonaws.com/a/%2E%2E/%2E%2E/etc/passwd", "'..' segment"),
        ("s3://{bucket}/a/../../b.png", "'..' segment"),
        ("s3://{bucket}/a/", "cannot be stored locally"),
        ("https://example.com/{bucket}/a.png", "neither AWS S3 nor a configured custom endpoint"),
    ],
)
async def test_refused_urls_are_422_naming_the_url_and_no_job_is_created(
    stack: ActorStack, url: str, reason: str
) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=1)
    bad = url.format(bucket=stack.bucket)
    jobs_before = (await stack.client.get("/api/jobs", params={"limit": 200})).json()["data"]

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-from-s3",
        json={"s3_urls": [stack.url(name, next(iter(images))), bad]},
    )

    assert answer.status_code == 422
    assert bad in answer.json()["detail"]
    assert reason in answer.json()["detail"]
    jobs_after = (await stack.client.get("/api/jobs", params={"limit": 200})).json()["data"]
    assert jobs_after == jobs_before
    assert stack.local(name) == {"response.json": stack.local(name)["response.json"]}


async def test_every_url_form_reaches_the_same_object_through_the_configured_endpoint(
    stack: ActorStack,
) -> None:
    actor_id, name = await stack.new_actor()
    b, region = stack.bucket, "us-west-1"
    forms = {
        "virtual-hosted": f"https://{b}.s3.{region}.amazonaws.com/{{key}}",
        "legacy-global": f"https://{b}.s3.amazonaws.com/{{key}}",
        "legacy-dash-region": f"https://{b}.s3-{region}.amazonaws.com/{{key}}",
        "path-style": f"https://s3.{region}.amazonaws.com/{b}/{{key}}",
        "accelerate": f"https://{b}.s3-accelerate.amazonaws.com/{{key}}",
        "dual-stack": f"https://{b}.s3.dualstack.{region}.amazonaws.com/{{key}}",
        "s3-uri": f"s3://{b}/{{key}}",
        "presigned": (
            f"https://{b}.s3.{region}.amazonaws.com/{{key}}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIA%2F20250501%2Fus-west-1%2Fs3&X-Amz-Signature=abc"
        ),
        "custom-endpoint": f"{stack.gateway.services.settings.s3_endpoint_url}/{b}/{{key}}",
    }
    urls, expected = [], {}
    for i, (form, template) in enumerate(forms.items()):
        filename = f"{name}_{i}.png"
        key = stack.key(name, filename)
        await stack.put(key, png(i))
        urls.append(template.format(key=quote(key)))
        expected[filename] = (form, md5(png(i)))

    answer = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-from-s3",
        json={"s3_urls": urls},
    )

    assert answer.json()["downloaded"] == len(forms), answer.json()["errors"]
    local = stack.local(name)
    assert {n: (form, md5(local[n])) for n, (form, _) in expected.items()} == expected


async def test_job_items_carry_file_names_and_the_actor_as_group(stack: ActorStack) -> None:
    actor_id, name, images = await stack.actor_in_s3(count=2)

    accepted = await stack.client.post(
        f"/api/actors/{actor_id}/training-data/sync-from-s3", headers=RESPOND_ASYNC
    )
    job = await job_when_final(stack.gateway, accepted.json()["job_id"])

    assert job["kind"] == "actors.sync-from-s3"
    assert [(item["key"], item["group"]) for item in job["items"]] == [
        (filename, name) for filename in images
    ]


async def test_real_world_keys_sync_both_ways_under_safe_local_names(stack: ActorStack) -> None:
    actor_id, name = await stack.new_actor()
    originals = ["my file (1).png", "a+b.png", "100%.png", "Zoë Saldaña.png", "日本.png", "x.png"]
    images = {original: png(i + 40) for i, original in enumerate(originals)}
    for original, data in images.items():
        await stack.put(stack.key(name, original), data)
    urls = [stack.url(name, quote(original)) for original in originals]
    await stack.write_response(name, legacy_response(urls))

    down = await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-from-s3")

    assert (down.json()["downloaded"], down.json()["failed"]) == (6, 0), down.json()["errors"]
    local = {n: d for n, d in stack.local(name).items() if n != "response.json"}
    assert sorted(map(md5, local.values())) == sorted(map(md5, images.values()))
    assert all(validate_name(n) == n for n in local), local.keys()
    assert "x.png" in local, "a name that is already safe is kept"
    assert any(n.startswith("Zoe_Saldana_") for n in local), local.keys()
    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()
    assert view["synced"] is True
    assert view["s3_urls"] == urls

    [zoe] = [n for n in local if n.startswith("Zoe_")]
    await stack.storage.write(training_key(name, zoe), png(99))
    up = await stack.client.post(f"/api/actors/{actor_id}/training-data/sync-to-s3")

    assert (up.json()["uploaded"], up.json()["failed"]) == (6, 0), up.json()["errors"]
    assert md5(await stack.get(stack.key(name, "Zoë Saldaña.png"))) == md5(png(99))
    assert (await stack.read_response(name))["output"]["output"]["s3_image_urls"] == urls
