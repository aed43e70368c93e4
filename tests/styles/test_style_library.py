"""The style library over HTTP: CRUD, per-style settings and registry import."""

from typing import Any

from tests.gateway.conftest import Gateway
from tests.styles.builders import create_style, unique

SEED_DEFAULTS = {
    "seed": 877452,
    "seed_locked": True,
    "steps": 20,
    "cfg": 1.0,
    "denoise": 0.8,
    "guidance": 3.5,
    "width": 1360,
    "height": 768,
    "sampler_name": "euler",
    "scheduler_name": "ddim_uniform",
}


async def test_style_is_created_read_updated_and_deleted(gateway: Gateway) -> None:
    client = gateway.client
    style = await create_style(client, settings={})
    style_id = style["id"]
    assert style["settings"] == SEED_DEFAULTS
    assert style["folder"].startswith(f"{style_id}_ink_noir_")

    read = (await client.get(f"/api/styles/{style_id}")).json()
    assert read == style
    listed = (await client.get("/api/styles")).json()
    assert style_id in [entry["id"] for entry in listed["data"]]

    patched = await client.patch(
        f"/api/styles/{style_id}", json={"name": "Renamed", "frontpad": "ink wash,"}
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["folder"] == style["folder"], "the dataset folder never moves"
    assert patched.json()["fingerprint"] != style["fingerprint"], "the pads shape the images"

    assert (await client.delete(f"/api/styles/{style_id}")).status_code == 204
    assert (await client.get(f"/api/styles/{style_id}")).status_code == 404


async def test_new_style_without_an_id_gets_the_next_number(gateway: Gateway) -> None:
    first = await create_style(gateway.client, id=None, name="Frank Miller: Sin City!")
    second = await create_style(gateway.client, id=None, name="Watercolour")
    assert int(second["id"]) == int(first["id"]) + 1
    assert first["folder"] == f"{first['id']}_frank_miller_sin_city"


async def test_style_id_and_folder_are_unique(gateway: Gateway) -> None:
    style = await create_style(gateway.client)
    again = await gateway.client.post(
        "/api/styles", json={"id": style["id"], "name": "x", "lora_name": "a.safetensors"}
    )
    assert again.status_code == 409
    same_folder = await gateway.client.post(
        "/api/styles",
        json={
            "id": unique("s"),
            "name": "x",
            "lora_name": "a.safetensors",
            "folder": style["folder"],
        },
    )
    assert same_folder.status_code == 409


INVALID_STYLES = [
    {"id": "../up", "name": "x", "lora_name": "a.safetensors"},
    {"name": "x", "lora_name": "../../etc/passwd"},
    {"name": "x", "lora_name": "a.safetensors", "folder": "a/b"},
    {"name": "", "lora_name": "a.safetensors"},
    {"name": "x", "lora_name": "a.safetensors", "lora_strength_model": 99},
    {"name": "x", "lora_name": "a.safetensors", "colour": "red"},
]


async def test_invalid_styles_are_refused(gateway: Gateway) -> None:
    for body in INVALID_STYLES:
        response = await gateway.client.post("/api/styles", json=body)
        assert response.status_code == 422, (body, response.text)


async def test_unknown_style_is_404_everywhere(gateway: Gateway) -> None:
    missing = unique("nope")
    client = gateway.client
    assert (await client.get(f"/api/styles/{missing}")).status_code == 404
    assert (await client.get(f"/api/styles/{missing}/settings")).status_code == 404
    assert (await client.put(f"/api/styles/{missing}/settings", json={})).status_code == 404
    listing = await client.get(f"/api/styles/{missing}/training-images")
    assert listing.status_code == 404
    assert listing.json() == {"detail": f"style not found: {missing}"}
    generate = await client.post(f"/api/styles/{missing}/generate", json={"select": "missing"})
    assert generate.status_code == 404


async def test_settings_default_to_the_seed_and_accept_its_camel_case_file(
    gateway: Gateway,
) -> None:
    style = await create_style(gateway.client, settings={})
    url = f"/api/styles/{style['id']}/settings"
    assert (await gateway.client.get(url)).json() == SEED_DEFAULTS

    # data/settings/style_{id}.json of the seed system, as it is
    seed_file = {
        "seed": 123,
        "seedLocked": False,
        "steps": 17,
        "cfg": 1,
        "denoise": 0.65,
        "guidance": 4.5,
        "width": 1024,
        "height": 576,
        "samplerName": "dpmpp_2m",
        "schedulerName": "normal",
        "loraStrengthModel": 1.1,
        "loraStrengthClip": 1.1,
        "monochromeContrast": 1.2,
        "monochromeBrightness": 1.0,
        "styleId": style["id"],
    }
    saved = await gateway.client.put(url, json=seed_file)
    assert saved.status_code == 200
    assert saved.json() == {
        "seed": 123,
        "seed_locked": False,
        "steps": 17,
        "cfg": 1.0,
        "denoise": 0.65,
        "guidance": 4.5,
        "width": 1024,
        "height": 576,
        "sampler_name": "dpmpp_2m",
        "scheduler_name": "normal",
    }
    assert (await gateway.client.get(url)).json() == saved.json()


OUT_OF_RANGE = [
    {"steps": 0},
    {"steps": 151},
    {"cfg": -1},
    {"denoise": 1.5},
    {"guidance": 31},
    {"width": 1001},
    {"height": 32},
    {"seed": -1},
    {"sampler_name": "Euler A; rm"},
]


async def test_settings_out_of_range_are_refused(gateway: Gateway) -> None:
    style = await create_style(gateway.client)
    url = f"/api/styles/{style['id']}/settings"
    for change in OUT_OF_RANGE:
        response = await gateway.client.put(url, json=SEED_DEFAULTS | change)
        assert response.status_code == 422, change
        [field] = change
        assert response.json()["detail"][0]["loc"][-1] == field
    assert (await gateway.client.get(url)).json() == style["settings"]


def registry(style_id: str, **changes: Any) -> dict[str, Any]:
    entry = {
        "id": style_id,
        "client_index": 1,
        "title": "Frank Miller",
        "lora_name": "SBai_style_1",
        "lora_file": "SBai_style_1.safetensors",
        "lora_version": "v1",
        "lora_weight": 0.9,
        "character_lora_weight": 0.85,
        "cine_lora_weight": 1.0,
        "trigger_words": "style SBai_style_1",
        "monochrome": True,
        "model": "flux1-dev-fp8",
        "image_path": "/styles/1.jpg",
        "training_data": {"source_images_count": 20, "training_images_count": 20},
        "metadata": {"created_at": "2025-01-01", "status": "active"},
        "frontpad": "bold black and white line art,",
        "backpad": "frank miller style",
        "steps": 18,
        "sampler_name": "euler",
    } | changes
    return {"version": "1.0", "last_synced": "2025-01-01T00:00:00Z", "styles": [entry], "loras": []}


async def test_registry_import_creates_then_updates_and_keeps_other_settings(
    gateway: Gateway,
) -> None:
    style_id = str(9000 + int(unique("")[:4], 16))
    first = await gateway.client.post("/api/styles/import", json=registry(style_id))
    assert first.json() == {"created": [style_id], "updated": []}
    style = (await gateway.client.get(f"/api/styles/{style_id}")).json()
    assert style["name"] == "Frank Miller"
    assert style["lora_name"] == "SBai_style_1.safetensors"
    assert style["lora_strength_model"] == 0.9
    assert style["trigger_words"] == "style SBai_style_1"
    assert style["settings"]["steps"] == 18
    assert style["folder"] == f"{style_id}_frank_miller"

    settings_url = f"/api/styles/{style_id}/settings"
    await gateway.client.put(settings_url, json=style["settings"] | {"denoise": 0.6})
    second = await gateway.client.post(
        "/api/styles/import", json=registry(style_id, steps=19, frontpad="ink,")
    )
    assert second.json() == {"created": [], "updated": [style_id]}
    settings = (await gateway.client.get(settings_url)).json()
    assert settings["steps"] == 19, "the registry's value wins"
    assert settings["denoise"] == 0.6, "a setting the registry lacks keeps its value"


async def test_registry_import_accepts_a_bare_list_and_refuses_garbage(gateway: Gateway) -> None:
    entry = registry(unique("r"))["styles"][0]
    assert (await gateway.client.post("/api/styles/import", json=[entry])).status_code == 200
    for body in ({"styles": [{"id": "x"}]}, {"styles": "nope"}, [entry | {"steps": 0}], 42):
        response = await gateway.client.post("/api/styles/import", json=body)
        assert response.status_code == 422, body
