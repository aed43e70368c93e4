"""Generate requests are checked completely before anything is queued."""

import copy
import json
from typing import Any

from tests.gateway.conftest import Gateway
from tests.styles.builders import create_style, unique, upload
from tests.styles.conftest import WORKFLOWS

TEMPLATE = json.loads((WORKFLOWS / "img2img_workflow.json").read_text())


def seed_body(style_id: str, filename: str, **changes: Any) -> dict[str, Any]:
    return {
        "images": [
            {
                "filename": filename,
                "path": f"/resources/input_images/{filename}",
                "fs_path": f"../resources/input_images/{filename}",
                "Prompt": "a movie scene of a person standing in a forest",
            }
        ],
        "workflow": TEMPLATE,
        "settings": {"seed": 877452, "steps": 20, "samplerName": "euler"},
        "styleId": style_id,
    } | changes


async def jobs_count(gateway: Gateway) -> int:
    return len((await gateway.client.get("/api/jobs", params={"limit": 200})).json()["data"])


async def test_bad_generate_requests_are_refused_before_queueing(gateway: Gateway) -> None:
    client = gateway.client
    style = await create_style(client)
    name = f"{unique('base_')}.jpg"
    await upload(client, name, caption="a movie scene")
    url = f"/api/styles/{style['id']}/generate"
    before = await jobs_count(gateway)

    cases: list[tuple[str, dict[str, Any], int]] = [
        ("unknown style", {"images": [name]}, 404),
        ("missing base image", {"images": ["absent.jpg"]}, 404),
        ("traversal", {"images": ["../../etc/passwd.jpg"]}, 422),
        ("not an image name", {"images": ["notes.txt"]}, 422),
        ("twice", {"images": [name, name]}, 422),
        ("both kinds of choice", {"images": [name], "select": "missing"}, 422),
        ("neither", {}, 422),
        ("settings out of range", {"images": [name], "settings": {"denoise": 2}}, 422),
        ("unknown setting", {"images": [name], "settings": {"denoize": 0.5}}, 422),
    ]
    for label, body, expected in cases:
        target = f"/api/styles/{unique('nope')}/generate" if label == "unknown style" else url
        response = await client.post(target, json=body)
        assert response.status_code == expected, (label, response.text)
    candidate = await client.post(
        f"/api/styles/{style['id']}/candidates", json={"image": "../x.jpg"}
    )
    assert candidate.status_code == 422
    assert await jobs_count(gateway) == before


async def test_seed_request_with_a_workflow_lacking_a_bound_node_is_refused(
    gateway: Gateway,
) -> None:
    style = await create_style(gateway.client)
    name = f"{unique('base_')}.jpg"
    await upload(gateway.client, name)
    workflow = copy.deepcopy(TEMPLATE)
    del workflow["205"]
    workflow["150"]["inputs"]["model"] = ["1", 0]
    workflow["132"]["inputs"]["clip"] = ["3", 0]

    response = await gateway.client.post(
        "/api/training-data/generate", json=seed_body(style["id"], name, workflow=workflow)
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "workflow lacks node 205 bound to 'lora_name'"


async def test_seed_request_is_checked_like_every_other(gateway: Gateway) -> None:
    style = await create_style(gateway.client)
    name = f"{unique('base_')}.jpg"
    await upload(gateway.client, name)
    ui_format = {"nodes": [], "links": []}
    cases = [
        (seed_body(unique("nope"), name), 404),
        (seed_body(style["id"], "..%2F..%2Fsecret.jpg"), 422),
        (seed_body(style["id"], name, settings={"steps": 500}), 422),
        (seed_body(style["id"], name, workflow=ui_format), 422),
        (seed_body(style["id"], name, images=[]), 422),
        (seed_body(style["id"], name, styleLoraName="../lora.safetensors"), 422),
    ]
    before = await jobs_count(gateway)
    for body, expected in cases:
        response = await gateway.client.post("/api/training-data/generate", json=body)
        assert response.status_code == expected, (body["styleId"], response.text)
    assert await jobs_count(gateway) == before
