"""The actor catalog over HTTP: import actorsData.json, list, read one, and refuse bad entries."""

import secrets

from tests.actors.helpers import ActorStack


def _actors_data(base: int) -> list[dict[str, object]]:
    # The shape of the seed's data/actorsData.json entries, fields we do not model included.
    return [
        {
            "id": base + i,
            "name": f"{base + i:04d}_european_{30 + i}_female",
            "img": f"https://story-boards-assets.s3.us-west-1.amazonaws.com/x/{base + i}.png",
            "age": 30 + i,
            "sex": "female",
            "ethnicity": "european",
            "face_prompt": "oval face, green eyes",
            "outfit": "denim jacket",
            "poster_frames": {"standard": {"webp_sm": "https://example.com/p.webp"}},
            "good": i == 0,
        }
        for i in range(3)
    ]


async def test_import_creates_then_updates_and_keeps_unmodelled_fields(stack: ActorStack) -> None:
    base = 10_000 + secrets.randbelow(10**6)
    records = _actors_data(base)

    first = await stack.client.post("/api/actors/import", json=records)
    records[1]["good"] = True
    second = await stack.client.post("/api/actors/import", json=records)

    assert first.json() == {"total": 3, "created": 3, "updated": 0}
    assert second.json() == {"total": 3, "created": 0, "updated": 3}
    actor = (await stack.client.get(f"/api/actors/{base + 1}")).json()
    assert actor["name"] == f"{base + 1:04d}_european_31_female"
    assert (actor["age"], actor["sex"], actor["good"]) == ("31", "female", True)
    assert actor["record"]["outfit"] == "denim jacket"
    assert actor["record"]["poster_frames"]["standard"]["webp_sm"].endswith("p.webp")
    assert actor["training_data"] == {
        "s3_urls": [],
        "local_path": f"/data/actors/{actor['name']}/training_data",
        "base_image_path": None,
        "count": 0,
        "local_count": 0,
        "synced": False,
    }


async def test_list_pages_by_id_and_filters_by_name(stack: ActorStack) -> None:
    base = 10_000 + secrets.randbelow(10**6)
    await stack.client.post("/api/actors/import", json=_actors_data(base))
    needle = f"{base + 2:04d}_european"

    page = (await stack.client.get("/api/actors", params={"name": needle})).json()
    everything = (await stack.client.get("/api/actors", params={"limit": 2})).json()

    assert [actor["id"] for actor in page["data"]] == [base + 2]
    assert page["count"] == 1
    assert len(everything["data"]) == 2
    assert everything["count"] >= 3


async def test_unknown_actor_is_404_everywhere(stack: ActorStack) -> None:
    missing = 99_999_999
    for method, path in [
        ("GET", f"/api/actors/{missing}"),
        ("GET", f"/api/actors/{missing}/training-data"),
        ("POST", f"/api/actors/{missing}/training-data/sync-from-s3"),
        ("POST", f"/api/actors/{missing}/training-data/sync-to-s3"),
        ("DELETE", f"/api/actors/{missing}/training-data/local"),
        ("GET", f"/api/actors/{missing}/storage-usage"),
    ]:
        response = await stack.client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"] == f"actor not found: {missing}"


async def test_import_refuses_unsafe_names_duplicates_and_stolen_names(stack: ActorStack) -> None:
    _, taken = await stack.new_actor()
    unsafe = await stack.client.post("/api/actors/import", json=[{"id": 1, "name": "../etc"}])
    twice = await stack.client.post(
        "/api/actors/import", json=[{"id": 5, "name": "a_1"}, {"id": 5, "name": "a_2"}]
    )
    stolen = await stack.client.post("/api/actors/import", json=[{"id": 10**7 + 1, "name": taken}])

    assert unsafe.status_code == 422
    assert unsafe.json()["detail"][0]["loc"] == ["body", 0, "name"]
    assert "must not contain '/'" in unsafe.json()["detail"][0]["msg"]
    assert twice.status_code == 422
    assert "same id more than once: [5]" in twice.json()["detail"]
    assert stolen.status_code == 409
    assert f"actor name {taken!r} already belongs to actor" in stolen.json()["detail"]
