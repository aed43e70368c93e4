"""The OpenAI emulator's state and its chat completions: faults and answer quality come from a
seeded RNG; the answer itself from openai_answers."""

import asyncio
import random
import time
import uuid
from typing import Any

import httpx
from PIL import Image

from actormaker.emulators.errors import ProviderError
from actormaker.emulators.faults import draw_fault
from actormaker.emulators.images import ImageUnavailable, decode_image, read_image_reference
from actormaker.emulators.openai_answers import (
    Quality,
    SchemaRejected,
    check_schema,
    plain_answer,
    schema_answer,
)
from actormaker.emulators.openai_schemas import (
    ChatCompletionRequest,
    JsonSchemaFormat,
    OpenAIEmulatorConfig,
)
from actormaker.emulators.tally import Tally

STAT_NAMES = ("requests", "answered", "failed")
_FETCH_TIMEOUT_S = 30.0
_CHARS_PER_TOKEN = 4
_IMAGE_TOKENS = {"low": 85, "high": 765, "auto": 765}
_UNSUPPORTED_IMAGE = (
    "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and "
    "is of one the following formats: ['png', 'jpeg', 'gif', 'webp']."
)


def openai_error(
    status_code: int,
    message: str,
    *,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> ProviderError:
    """An error answered as `{"error": {"message", "type", "param", "code"}}`, like OpenAI's."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return ProviderError(status_code, body, headers)


class OpenAIEmulator:
    """The state behind the routes: configuration, the RNG and per-model counters."""

    def __init__(self, config: OpenAIEmulatorConfig) -> None:
        self._stats = Tally(STAT_NAMES)
        self._http: httpx.AsyncClient | None = None
        self._config = config
        self.configure(config)

    @property
    def config(self) -> OpenAIEmulatorConfig:
        return self._config

    def configure(self, config: OpenAIEmulatorConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)

    async def reset(self) -> None:
        await self.close()
        self._stats.clear()
        self.configure(self._config)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def note(self, model: str, stat: str) -> None:
        self._stats.note(model, stat)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per model, how many requests came, were answered, and failed (injected or 400)."""
        return self._stats.snapshot()

    async def complete(self, request: ChatCompletionRequest) -> dict[str, Any]:
        """The ChatCompletion object answering `request`; ProviderError when it fails."""
        self.note(request.model, "requests")
        try:
            content = await self._content(request)
        except ProviderError:
            self.note(request.model, "failed")
            raise
        self.note(request.model, "answered")
        return _chat_completion(request, content)

    async def _content(self, request: ChatCompletionRequest) -> str:
        self._raise_injected_fault(request.model)
        if request.stream:
            raise openai_error(400, "Streaming is not emulated.", param="stream")
        response_format = request.response_format
        if isinstance(response_format, JsonSchemaFormat):
            try:
                check_schema(response_format.json_schema)
            except SchemaRejected as exc:
                raise openai_error(400, str(exc), param="response_format") from exc
        image = await self._first_image(request)
        await asyncio.sleep(self._config.latency_s)
        quality = self._draw_quality()
        if isinstance(response_format, JsonSchemaFormat):
            spec = response_format.json_schema
            return await asyncio.to_thread(schema_answer, spec, image, quality)
        json_object = response_format is not None and response_format.type == "json_object"
        return plain_answer(json_object, quality)

    def _raise_injected_fault(self, model: str) -> None:
        config = self._config
        fault = draw_fault(
            self._rng,
            rate_limit_rate=config.rate_limit_rate,
            server_error_rate=config.failure_rate,
        )
        if fault == 429:
            wait = config.retry_after_s
            message = (
                f"Rate limit reached for {model} in organization org-emulator on requests per "
                f"min (RPM): Limit 500, Used 500, Requested 1. Please try again in {wait}s."
            )
            headers = {"retry-after": str(wait)}
            raise openai_error(
                429, message, kind="requests", code="rate_limit_exceeded", headers=headers
            )
        if fault == 500:
            message = "The server had an error while processing your request. Sorry about that!"
            raise openai_error(500, message, kind="server_error")

    async def _first_image(self, request: ChatCompletionRequest) -> Image.Image | None:
        urls = request.image_urls()
        if not urls:
            return None
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=_FETCH_TIMEOUT_S)
        try:
            data = await read_image_reference(urls[0], self._http)
        except ImageUnavailable as exc:
            message = f"Error while downloading {urls[0][:80]}."
            raise openai_error(400, message, code="invalid_image_url") from exc
        try:
            return await asyncio.to_thread(decode_image, data)
        except ImageUnavailable as exc:
            raise openai_error(400, _UNSUPPORTED_IMAGE, code="invalid_image_format") from exc

    def _draw_quality(self) -> Quality:
        config = self._config
        draw = self._rng.random()
        if draw < config.garbage_rate:
            return self._rng.choice(("prose", "mistyped"))
        if draw < config.garbage_rate + config.empty_rate:
            return "empty"
        return "good"


def _chat_completion(request: ChatCompletionRequest, content: str) -> dict[str, Any]:
    prompt_tokens = len(request.text()) // _CHARS_PER_TOKEN + sum(
        _IMAGE_TOKENS[detail] for detail in request.image_details()
    )
    completion_tokens = max(len(content) // _CHARS_PER_TOKEN, 1)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_emulator",
    }
