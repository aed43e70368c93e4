"""Fetching what a provider made from the URL it gave, with its failures as work outcomes."""

import httpx

from actormaker.common.errors import PermanentError, TransientError


async def download(http: httpx.AsyncClient, url: str, *, what: str) -> bytes:
    """The body at `url`: a 429, a 5xx or a broken connection may pass, another 4xx will not."""
    try:
        response = await http.get(url)
    except httpx.TransportError as error:
        raise TransientError(f"could not download the {what}: {error!r}") from error
    if response.status_code >= 500 or response.status_code == httpx.codes.TOO_MANY_REQUESTS:
        raise TransientError(f"{what} download answered HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"{what} URL answered HTTP {response.status_code}")
    return response.content
