"""Links to workspace images: plain in local dev, signed and short-lived when an API key is set.

A browser's <img> cannot send a bearer header. A signed link lets it load one image for a while
without ever holding the key; the signature covers the key, the thumbnail size and the expiry.
"""

import hashlib
import hmac
import math
import time
from urllib.parse import urlencode

from actormaker.common.storage import ObjectInfo
from actormaker.gateway.settings import GatewaySettings

FILES_ROUTE = "/api/files"
THUMBNAIL_SIDE = 256


class FileLinks:
    def __init__(self, secret: bytes | None, *, ttl: float) -> None:
        self._secret = secret
        self._ttl = ttl

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> "FileLinks":
        """Signed links when API_KEY is set, with a secret derived from it."""
        if settings.api_key is None:
            return cls(None, ttl=settings.file_link_ttl_s)
        key = settings.api_key.get_secret_value().encode()
        secret = hmac.new(key, b"actormaker file links", hashlib.sha256).digest()
        return cls(secret, ttl=settings.file_link_ttl_s)

    def url(self, info: ObjectInfo, *, max_side: int | None = None) -> str:
        """The file's URL; `v` changes with the content, so no client shows a stale image."""
        query: dict[str, str | int] = {"max_side": max_side} if max_side else {}
        query["v"] = info.etag or str(int(info.modified.timestamp() * 1000))
        if self._secret is not None:
            expires = self._expiry()
            query["expires"] = expires
            query["signature"] = self._sign(info.key, max_side, expires)
        return f"{FILES_ROUTE}/{info.key}?{urlencode(query)}"

    def thumbnail(self, info: ObjectInfo) -> str:
        """The URL of a JPEG thumbnail of the file."""
        return self.url(info, max_side=THUMBNAIL_SIDE)

    def allows(
        self, key: str, *, max_side: int | None, expires: int | None, signature: str | None
    ) -> bool:
        """Whether a link's signature is valid for this file and size and has not expired."""
        if self._secret is None or expires is None or signature is None:
            return False
        if expires < time.time():
            return False
        return hmac.compare_digest(signature.encode(), self._sign(key, max_side, expires).encode())

    def _expiry(self) -> int:
        # Rounded up to a whole period, so a listing's links stay the same (and cacheable)
        # for a while: each is valid for at least one period and at most two.
        return int((math.floor(time.time() / self._ttl) + 2) * self._ttl)

    def _sign(self, key: str, max_side: int | None, expires: int) -> str:
        assert self._secret is not None
        message = f"{key}\n{max_side or ''}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
