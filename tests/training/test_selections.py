"""Selection sets over the API: numbered per owner, never reusing a number, seed file in and out."""

from typing import Any

import pytest

from actormaker.common.actor_files import training_key
from tests.styles.builders import picture
from tests.training.stack import Stack


async def test_a_styles_sets_are_numbered_ordered_and_never_reuse_a_number(stack: Stack) -> None:
    style, names = await stack.style_with_training_images(3)
    base = f"/api/styles/{style['id']}/selection-sets"
    first = await stack.client.post(base, json={"name": "best", "images": names[::-1]})
    assert first.status_code == 201, first.text
    assert first.json() | {"created_at": None, "updated_at": None} == {
        "id": 1,
        "name": "best",
        "images": names[::-1],
        "image_count": 3,
        "created_at": None,
        "updated_at": None,
    }
    second = (await stack.client.post(base, json={"images": names[:1]})).json()
    assert (second["id"], second["name"]) == (2, "Set 2")

    assert (await stack.client.delete(f"{base}/2")).status_code == 204
    third = (await stack.client.post(base, json={"images": names[:2]})).json()
    assert third["id"] == 3  # 2 was deleted, and stays used

    renamed = await stack.client.put(f"{base}/1", json={"name": "kept", "images": names[:2]})
    assert renamed.json()["images"] == names[:2]
    assert renamed.json()["name"] == "kept"
    listing = (await stack.client.get(base)).json()
    assert [s["id"] for s in listing["sets"]] == [1, 3]


async def test_the_seeds_file_imports_verbatim_and_exports_again(stack: Stack) -> None:
    style, names = await stack.style_with_training_images(3)
    base = f"/api/styles/{style['id']}/selection-sets"
    await stack.client.post(base, json={"images": names[:1]})  # takes number 1
    seed_file = {"sets": [{"id": 1, "filenames": names[:2]}, {"id": 5, "filenames": names}]}
    answer = await stack.client.post(f"{base}/import", json=seed_file)
    assert answer.status_code == 200, answer.text
    # Set 1 of the file cannot keep its number (it is taken here); set 5 can.
    assert answer.json()["numbers"] == {"1": 2, "5": 5}
    exported = (await stack.client.get(f"{base}/export")).json()
    assert [(s["id"], s["filenames"]) for s in exported["sets"]] == [
        (1, names[:1]),
        (2, names[:2]),
        (5, names),
    ]
    after = (await stack.client.post(base, json={"images": names[:1]})).json()
    assert after["id"] == 6


async def test_an_actors_sets_take_its_local_and_s3_only_images(stack: Stack) -> None:
    actor_id, name = 910001, "0910001_test_actor"
    imported = await stack.client.post(
        "/api/actors/import", json=[{"id": actor_id, "name": name, "sex": "female"}]
    )
    assert imported.status_code == 200, imported.text
    for n in (1, 2):
        await stack.storage.write(training_key(name, f"{name}_{n}.png"), picture(64, 64, fmt="PNG"))
    base = f"/api/actors/{actor_id}/selection-sets"
    made = await stack.client.post(base, json={"images": [f"{name}_2.png", f"{name}_1.png"]})
    assert made.status_code == 201, made.text
    assert made.json()["images"] == [f"{name}_2.png", f"{name}_1.png"]


@pytest.mark.parametrize(
    ("body", "status", "complaint"),
    [
        ({"images": ["nope_training.jpg"]}, 422, "not a current training image"),
        ({"images": []}, 422, "images"),
        ({"images": ["a", "a"]}, 422, "appear twice"),
        ({"images": ["x"] * 1001}, 422, "images"),
        ({"images": ["../../etc/passwd"]}, 422, "not a current training image"),
        ({"images": ["x"], "colour": "red"}, 422, "colour"),
    ],
)
async def test_bad_sets_are_refused_saying_what_is_wrong(
    stack: Stack, body: dict[str, Any], status: int, complaint: str
) -> None:
    style, _ = await stack.style_with_training_images(1)
    answer = await stack.client.post(f"/api/styles/{style['id']}/selection-sets", json=body)
    assert answer.status_code == status, answer.text
    assert complaint in answer.text


async def test_unknown_owners_and_sets_are_404(stack: Stack) -> None:
    style, _ = await stack.style_with_training_images(1)
    assert (await stack.client.get("/api/styles/no-such/selection-sets")).status_code == 404
    assert (await stack.client.get("/api/actors/99999999/selection-sets")).status_code == 404
    missing = await stack.client.get(f"/api/styles/{style['id']}/selection-sets/7")
    assert missing.status_code == 404
    assert "selection set" in missing.text
