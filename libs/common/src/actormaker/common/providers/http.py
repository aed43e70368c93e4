"""The HTTP client every provider call goes through: paced, retried, errors mapped once."""

from collections.abc import Mapping
from typing import Any, Self

import httpx

from actormaker.common.providers.errors import (
    ProviderRejected,
    ProviderUnavailable,
    error_text,
    is_retryable,
    retry_after,
)
from actormaker.common.providers.settings import ProviderSettings
from actormaker.common.providers.transport import (
    ATTEMPTS,
    RETRIED_TRANSPORT_ERRORS,
    ProviderTransport,
    RetryPolicy,
)

_EXCERPT = 300


class ProviderHttp:
    """One provider's API: `request()` returns a usable response or raises a work outcome."""

    def __init__(
        self,
        provider: str,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        requests_per_second: float | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.provider = provider
        self.transport = ProviderTransport(
            provider, retry=retry or RetryPolicy(), requests_per_second=requests_per_second
        )
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=dict(headers or {}),
            timeout=timeout,
            transport=self.transport,
        )

    @classmethod
    def from_settings(
        cls, provider: str, settings: ProviderSettings, *, headers: Mapping[str, str] | None = None
    ) -> Self:
        return cls(
            provider,
            base_url=settings.base_url,
            headers=headers,
            retry=settings.retry_policy(),
            requests_per_second=settings.requests_per_second,
            timeout=settings.http_timeout_s,
        )

    async def request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        not_found_ok: bool = False,
    ) -> httpx.Response:
        """Send, retrying what may succeed later; a 404 is returned when `not_found_ok`."""
        try:
            response = await self._client.request(method, path, json=json, headers=headers)
        except RETRIED_TRANSPORT_ERRORS as error:
            attempts = self.transport.retry.max_attempts
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise ProviderUnavailable(
                self.provider, operation, f"{reason} after {attempts} attempts"
            ) from error
        status = response.status_code
        if is_retryable(status):
            attempts = response.extensions.get(ATTEMPTS, 1)
            raise ProviderUnavailable(
                self.provider,
                operation,
                f"HTTP {status} after {attempts} attempts",
                delay=retry_after(response),
            )
        if status == httpx.codes.NOT_FOUND and not_found_ok:
            return response
        if status >= 400:
            raise ProviderRejected(self.provider, operation, status, error_text(response))
        return response

    def json_of(self, response: httpx.Response, operation: str) -> Any:
        """The response body as JSON; anything else means the provider is misbehaving."""
        try:
            return response.json()
        except ValueError as error:
            excerpt = response.text[:_EXCERPT]
            raise ProviderUnavailable(
                self.provider, operation, f"response is not JSON: {excerpt!r}"
            ) from error

    async def aclose(self) -> None:
        await self._client.aclose()
