"""The demo library `make run` seeds: one style and captioned scenes, added once."""

from actormaker.devstack.demo_styles import DEMO_SCENES, DEMO_STYLE, seed_demo_styles
from tests.gateway.conftest import Gateway


async def test_demo_library_is_seeded_once_and_ready_to_generate(gateway: Gateway) -> None:
    added = await seed_demo_styles(gateway.url)

    assert len(added) == 1 + len(DEMO_SCENES) >= 7
    style = (await gateway.client.get(f"/api/styles/{DEMO_STYLE['id']}")).json()
    assert style["name"] == DEMO_STYLE["name"]
    listing = await gateway.client.get(
        f"/api/styles/{DEMO_STYLE['id']}/training-images", params={"version": "v2"}
    )
    images = listing.json()["images"]
    assert {image["filename"] for image in images} == {name for name, _, _ in DEMO_SCENES}
    assert all(image["has_caption"] and image["training_image"] is None for image in images)

    assert await seed_demo_styles(gateway.url) == []
