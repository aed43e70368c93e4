"""Several actors in one job: one item per file, grouped per actor in events and summaries."""

import json

from tests.actors.helpers import RESPOND_ASYNC, ActorStack
from tests.gateway.helpers import read_sse


async def test_one_download_job_for_two_actors_reports_each_actor(stack: ActorStack) -> None:
    first_id, first, first_images = await stack.actor_in_s3(count=3)
    second_id, second, _ = await stack.actor_in_s3(count=2)
    missing = stack.url(second, f"{second}_9.png")

    answer = await stack.client.post(
        "/api/actors/training-data/sync-from-s3",
        json={
            "actors": [
                {"actor_id": first_id},
                {"actor_id": second_id, "s3_urls": [stack.url(second, f"{second}_0.png"), missing]},
            ]
        },
    )

    summary = answer.json()
    assert (summary["downloaded"], summary["failed"], summary["total"]) == (4, 1, 5)
    assert [
        (a["actor_id"], a["actor_name"], a["downloaded"], a["failed"]) for a in summary["actors"]
    ] == [(first_id, first, 3, 0), (second_id, second, 1, 1)]
    assert summary["actors"][1]["errors"][0].startswith(f"{second}_9.png: S3 object not found")
    assert set(stack.local(first)) == {*first_images, "response.json"}


async def test_events_of_a_multi_actor_upload_carry_each_actor_as_group(stack: ActorStack) -> None:
    first_id, first, _ = await stack.actor_with_local_images(count=2)
    second_id, second, _ = await stack.actor_with_local_images(count=3)

    accepted = await stack.client.post(
        "/api/actors/training-data/sync-to-s3",
        headers=RESPOND_ASYNC,
        json={"actors": [{"actor_id": first_id}, {"actor_id": second_id, "indices": [0]}]},
    )
    events = await read_sse(stack.client, accepted.json()["events_url"])

    done = [json.loads(e.data) for e in events if e.event == "item.succeeded"]
    assert sorted((event["group"], event["item_key"]) for event in done) == sorted(
        [(first, f"{first}_0.png"), (first, f"{first}_1.png"), (second, f"{second}_0.png")]
    )
    assert (await stack.read_response(second))["s3_urls"][0].endswith(f"/{second}_0.png")


async def test_a_repeated_or_unknown_actor_refuses_the_whole_request(stack: ActorStack) -> None:
    actor_id, _, _ = await stack.actor_in_s3(count=1)
    path = "/api/actors/training-data/sync-from-s3"

    twice = await stack.client.post(
        path, json={"actors": [{"actor_id": actor_id}, {"actor_id": actor_id}]}
    )
    unknown = await stack.client.post(
        path, json={"actors": [{"actor_id": actor_id}, {"actor_id": 99_999_999}]}
    )
    empty = await stack.client.post(path, json={"actors": []})

    assert twice.status_code == 422
    assert "same actor_id more than once" in twice.json()["detail"]
    assert unknown.status_code == 404
    assert empty.status_code == 422
