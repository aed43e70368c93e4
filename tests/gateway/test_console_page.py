"""The web console's page and assets as the gateway serves them (ADR 0012)."""

import re

from tests.gateway.conftest import Gateway
from tests.gateway.helpers import job_when_final, new_command_type, read_sse, submit, worker_for


async def test_the_console_is_served_at_the_root_with_a_strict_policy(gateway: Gateway) -> None:
    page = await gateway.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    scripts = re.findall(r'src="([^"]+)"', page.text)
    assert scripts == ["/console/js/app.js"]
    for asset in ("/console/js/app.js", "/console/console.css", "/console/js/api.js"):
        answer = await gateway.client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["cache-control"] == "no-cache"
        again = await gateway.client.get(asset, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304, "unchanged assets cost a revalidation, not a download"


async def test_no_path_outside_the_assets_is_served(gateway: Gateway) -> None:
    for path in ("/console/../main.py", "/console/%2e%2e/main.py", "/console/__init__.py"):
        answer = await gateway.client.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
    assert (await gateway.client.get("/console/js/nothing.js")).status_code == 404


async def test_a_stream_resumes_from_the_query_as_from_the_header(gateway: Gateway) -> None:
    Echo = new_command_type()

    async def ok(command: object, ctx: object) -> None:
        return None

    job_id = await submit(gateway, Echo, ["a", "b"])
    async with worker_for(gateway.bus, Echo, ok):
        await job_when_final(gateway, job_id)
    url = f"/api/jobs/{job_id}/events"
    everything = await read_sse(gateway.client, url)
    middle = everything[1].id
    by_header = await read_sse(gateway.client, url, last_event_id=middle)
    by_query = await read_sse(gateway.client, f"{url}?last_event_id={middle}")
    assert [e.id for e in by_query] == [e.id for e in by_header] == [e.id for e in everything[2:]]
