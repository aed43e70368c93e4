"""Webhook delivery the providers' way: in the background, late or twice if configured, and
retried a few times until the receiver accepts; plus Standard Webhooks signing (Replicate)."""

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

log = logging.getLogger(__name__)

_TIMEOUT_S = 10.0


@dataclass(frozen=True, kw_only=True)
class Webhook:
    url: str
    body: bytes
    copies: int = 1  # 2 = the receiver gets every webhook twice
    delay_s: float = 0.0
    retry_interval_s: float = 0.0
    headers: Callable[[], dict[str, str]] = field(default=dict)  # made again for every attempt
    on_attempt: Callable[[], None] = field(default=lambda: None)


class WebhookSender:
    """Posts webhooks from background tasks; `close` cancels those still under way."""

    def __init__(self, *, attempts: int, accepts: Callable[[int], bool]) -> None:
        self._attempts = attempts
        self._accepts = accepts
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def send(self, webhook: Webhook, *, name: str) -> None:
        task = asyncio.create_task(self._deliver(webhook), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _deliver(self, webhook: Webhook) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=_TIMEOUT_S)
        await asyncio.sleep(webhook.delay_s)
        for _ in range(webhook.copies):
            for attempt in range(1, self._attempts + 1):
                if await self._attempt(self._http, webhook):
                    break
                if attempt < self._attempts:
                    await asyncio.sleep(webhook.retry_interval_s)

    async def _attempt(self, http: httpx.AsyncClient, webhook: Webhook) -> bool:
        webhook.on_attempt()
        headers = {"Content-Type": "application/json", **webhook.headers()}
        try:
            response = await http.post(webhook.url, content=webhook.body, headers=headers)
        except httpx.HTTPError as error:
            log.info("webhook not delivered", extra={"url": webhook.url, "error": repr(error)})
            return False
        return self._accepts(response.status_code)


def new_webhook_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def standard_webhook_headers(secret: str, webhook_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers signing `body` with a `whsec_<base64>` secret, stamped now."""
    timestamp = str(int(time.time()))
    key = base64.b64decode(secret.partition("_")[2])
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
    }
