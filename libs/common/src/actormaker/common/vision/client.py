"""Questions about an image, answered by an OpenAI vision model as JSON of a given schema.

Through the `openai` SDK, with its own retries off: our `ProviderTransport` paces and retries
(the SDK would retry POSTs with no idempotency key), and errors map onto our outcomes here.
"""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import openai
from PIL import Image

from actormaker.common.images import encode_jpeg, to_base64
from actormaker.common.providers import ProviderRejected, ProviderTransport, ProviderUnavailable
from actormaker.common.vision.settings import OpenAISettings

PROVIDER = "OpenAI"


class VisionModel:
    def __init__(self, settings: OpenAISettings) -> None:
        transport = ProviderTransport(
            PROVIDER,
            retry=settings.retry_policy(),
            requests_per_second=settings.requests_per_second,
        )
        self._http = httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(settings.http_timeout_s, connect=10.0)
        )
        key = settings.api_key.get_secret_value() if settings.api_key else "unset"
        self._client = openai.AsyncOpenAI(
            api_key=key, base_url=settings.base_url, max_retries=0, http_client=self._http
        )
        # The SDK imports a resource's modules on first use (half a second): at start, not in
        # the first item's critical path.
        self._completions = self._client.chat.completions
        self._model = settings.vision_model
        self._max_side = settings.image_max_side

    async def ask(
        self, question: str, image: Image.Image, *, name: str, schema: Mapping[str, Any]
    ) -> str | None:
        """The model's answer (JSON text, unchecked), or None when it gave none or refused."""
        content = [
            {"type": "text", "text": question},
            {"type": "image_url", "image_url": {"url": self._data_url(image), "detail": "high"}},
        ]
        with _mapped("chat.completions"):
            completion = await self._completions.create(
                model=self._model,
                messages=[{"role": "user", "content": content}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": dict(schema), "strict": True},
                },
            )
        if not completion.choices:
            return None
        message = completion.choices[0].message
        return None if message.refusal else message.content

    async def aclose(self) -> None:
        await self._client.close()
        await self._http.aclose()

    def _data_url(self, image: Image.Image) -> str:
        copy = image.convert("RGB")
        copy.thumbnail((self._max_side, self._max_side))
        return "data:image/jpeg;base64," + to_base64(encode_jpeg(copy, quality=90))


@contextlib.contextmanager
def _mapped(operation: str) -> Iterator[None]:
    try:
        yield
    except openai.APIStatusError as error:
        if error.status_code == 429 or error.status_code >= 500:
            reason = f"HTTP {error.status_code}: {error.message}"
            raise ProviderUnavailable(PROVIDER, operation, reason) from error
        raise ProviderRejected(PROVIDER, operation, error.status_code, error.message) from error
    except openai.APIConnectionError as error:
        raise ProviderUnavailable(PROVIDER, operation, repr(error)) from error
