"""GET training-data: the seed's shape, read from either form of response.json."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from actormaker.common.actor_files import InvalidManifest, TrainingManifest, image_index
from tests.actors.helpers import ActorStack, legacy_response, png


@pytest.mark.parametrize(
    "form",
    [
        legacy_response,
        lambda urls: {"s3_urls": urls},
        lambda urls: {"s3_image_urls": urls, "note": "kept"},
    ],
)
async def test_view_lists_urls_local_images_and_base_image(
    stack: ActorStack, form: Callable[[list[str]], Any]
) -> None:
    actor_id, name = await stack.new_actor()
    urls = [stack.url(name, f"{name}_{i}.png") for i in (0, 1, 2, 10)]
    await stack.write_response(name, form(urls))
    for i in (10, 2, 0):
        await stack.storage.write(f"data/actors/{name}/training_data/{name}_{i}.png", png(i))
    await stack.storage.write(f"data/actors/{name}/training_data/request.json", b"{}")
    await stack.storage.write(f"data/actors/{name}/base_image/{name}_base.png", png(9))

    view = (await stack.client.get(f"/api/actors/{actor_id}/training-data")).json()

    assert view == {
        "actor_id": actor_id,
        "actor_name": name,
        "s3_urls": urls,
        "local_images": [f"{name}_0.png", f"{name}_2.png", f"{name}_10.png"],
        "base_image_path": f"/data/actors/{name}/base_image/{name}_base.png",
        "synced": False,
    }


async def test_an_unreadable_response_json_is_reported_not_hidden(stack: ActorStack) -> None:
    actor_id, name = await stack.new_actor()
    await stack.write_response(name, {"output": {"status": "success"}})

    answer = await stack.client.get(f"/api/actors/{actor_id}/training-data")

    assert answer.status_code == 422
    assert f"data/actors/{name}/training_data/response.json is not a usable" in answer.text


def test_rewriting_urls_keeps_the_document_form() -> None:
    document = legacy_response(["a"])
    manifest = TrainingManifest.parse(json.dumps(document).encode(), key="r.json")

    rewritten = json.loads(manifest.with_urls(["a", "b"]).to_bytes())

    assert rewritten["output"]["output"]["s3_image_urls"] == ["a", "b"]
    assert {k: v for k, v in rewritten.items() if k != "output"} == {
        k: v for k, v in document.items() if k != "output"
    }
    assert json.loads(TrainingManifest.empty().with_urls(["x"]).to_bytes()) == {"s3_urls": ["x"]}
    with pytest.raises(InvalidManifest, match="not JSON"):
        TrainingManifest.parse(b"{", key="r.json")
    with pytest.raises(InvalidManifest, match="s3_urls is not a list of URLs"):
        TrainingManifest.parse(b'{"s3_urls": [1]}', key="r.json")


@pytest.mark.parametrize(
    ("filename", "index"),
    [("a_b_3.png", 3), ("a_b_12.jpg", 12), ("a_b_base.png", None), ("other_3.png", None)],
)
def test_image_index_follows_the_seed_naming(filename: str, index: int | None) -> None:
    assert image_index("a_b", filename) == index
