"""Replicate's webhook signatures (Standard Webhooks): an HMAC of id, timestamp and raw body.

The gateway checks them. The emulator signs with code of its own, so a test that verifies its
webhooks here checks this code against an independent signer."""

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from actormaker.common.digits import ascii_int


def replicate_signature_valid(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    tolerance_s: float,
    now: float | None = None,
) -> bool:
    """Whether `webhook-signature` signs this body with `secret`, within the time tolerance.

    `headers` must look names up case-insensitively (Starlette's do).
    """
    webhook_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    key = _signing_key(secret)
    sent_at = ascii_int(timestamp) if timestamp else None
    if not (webhook_id and sent_at is not None and signatures and key):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_s:
        return False
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    presented = [entry.partition(",") for entry in signatures.split()]
    # Every entry is compared, so the time taken does not tell which one came close.
    matches = [
        hmac.compare_digest(expected, value.encode())
        for version, _, value in presented
        if version == "v1"
    ]
    return any(matches)


def sign_replicate(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header Replicate sends for this body."""
    key = _signing_key(secret)
    if key is None:
        raise ValueError("a Replicate webhook secret looks like whsec_<base64>")
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _signing_key(secret: str) -> bytes | None:
    prefix, _, encoded = secret.partition("_")
    if prefix != "whsec" or not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
