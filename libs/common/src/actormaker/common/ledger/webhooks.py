"""Webhook URLs that carry a per-step secret, and checking a presented secret in constant time."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import quote, urlencode

from actormaker.common.schemas.provider_jobs import StepAddress

WEBHOOK_PATH = "/api/webhooks"
# The seed's own route, which its training container was given: the step rides in the query.
TRAINING_WEBHOOK_PATH = "/api/training-webhook"
_NO_DIGEST = hashlib.sha256(b"no step has this token").hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the ledger keeps of a token: enough to check one, useless to forge one."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, digest: str | None) -> bool:
    """Whether `token` is the one behind `digest`; takes as long whether or not a digest exists."""
    return hmac.compare_digest(token_digest(token), digest or _NO_DIGEST) and digest is not None


def webhook_url(base_url: str, provider: str, address: StepAddress, token: str) -> str:
    """Where `provider` reports on one step: the gateway's webhook route, holding the token."""
    path = f"{WEBHOOK_PATH}/{provider}/{address.job_id}/{address.item_id}/{address.step}"
    return f"{base_url.rstrip('/')}{path}?token={quote(token)}"


def training_webhook_url(base_url: str, provider: str, address: StepAddress, token: str) -> str:
    """Where a trainer reports on one run: the seed's `/api/training-webhook`, with the token."""
    query = urlencode({"step": address.key, "token": token})
    return f"{base_url.rstrip('/')}{TRAINING_WEBHOOK_PATH}?{query}"


WebhookRoute = Callable[[str, str, StepAddress, str], str]
"""(base URL, provider, step, token) -> the URL the provider calls: one of the above."""
