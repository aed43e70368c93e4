"""With API_KEY set, listed image links are signed: a browser can load them without the key."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from actormaker.common.settings import CommonSettings
from actormaker.common.storage import ObjectInfo
from actormaker.gateway.file_links import FileLinks
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.styles.builders import picture, unique, upload
from tests.styles.conftest import WORKFLOWS

KEY = "file-links-test-key"


@pytest.fixture
async def secured(
    settings: CommonSettings, database: Database, tmp_path: Path
) -> AsyncIterator[Gateway]:
    own_data = settings.model_copy(update={"data_dir": tmp_path / "data"})
    configured = gateway_settings(own_data, database, workflows_dir=WORKFLOWS, api_key=KEY)
    async with running_gateway(configured) as running:
        running.client.headers["Authorization"] = f"Bearer {KEY}"
        yield running


async def test_signed_links_load_without_the_key_and_only_as_signed(secured: Gateway) -> None:
    name = f"{unique('signed_')}.jpg"
    assert (await upload(secured.client, name)).status_code == 201
    listed = (await secured.client.get("/api/base-images")).json()["images"]
    [entry] = [image for image in listed if image["filename"] == name]
    assert "signature=" in entry["url"]
    assert KEY not in entry["url"]

    async with httpx.AsyncClient(base_url=secured.url) as browser:  # no Authorization header
        assert (await browser.get(entry["url"])).content == picture()
        thumbnail = await browser.get(entry["thumbnail_url"])
        assert thumbnail.headers["content-type"] == "image/jpeg"

        tampered = entry["url"].replace("signature=", "signature=0")
        other_size = entry["url"].replace("?", "?max_side=999&")
        unsigned = entry["url"].split("?")[0]
        for url in (tampered, other_size, unsigned):
            refused = await browser.get(url)
            assert refused.status_code == 401, url
            assert "signed link" in refused.json()["detail"]

    assert (await secured.client.get(unsigned)).status_code == 200  # the key still works


def test_an_expired_link_is_refused() -> None:
    info = ObjectInfo(
        key="resources/input_images/a.jpg", size=1, modified=datetime.now(UTC), etag="x"
    )
    links = FileLinks(b"secret", ttl=1e-6)  # expires about two microseconds from now
    query = parse_qs(urlsplit(links.url(info)).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    assert not links.allows(info.key, max_side=None, expires=expires, signature=signature)
    assert not links.allows(info.key, max_side=None, expires=None, signature=signature)
    assert not FileLinks(None, ttl=60).allows(
        info.key, max_side=None, expires=expires, signature=signature
    )
