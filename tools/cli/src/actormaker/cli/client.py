"""The gateway, as the command line calls it: the URL and key, and errors that say what is wrong."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, connect_sse

DEFAULT_URL = "http://127.0.0.1:8000"


class ApiRefused(Exception):
    """The gateway answered with an error: the message is its own explanation."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status


class Unreachable(Exception):
    """No answer from the gateway at all."""


def _detail(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        return answer.text[:500] or answer.reason_phrase
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(part) for part in problem.get('loc', [])[1:]) or 'body'}: "
            f"{problem.get('msg')}"
            for problem in detail
        )
    return str(detail)


@dataclass
class Gateway:
    url: str
    key: str | None
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=self.timeout_s)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of one request (None for 204); ApiRefused or Unreachable otherwise."""
        answer = self._send(method, path, **kwargs)
        if answer.status_code == httpx.codes.NO_CONTENT:
            return None
        return answer.json()

    def download(self, path: str) -> bytes:
        return self._send("GET", path).content

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise Unreachable(f"no answer from {self.url}: {error}") from error
        if answer.is_error:
            raise ApiRefused(answer.status_code, _detail(answer))
        return answer

    @contextmanager
    def events(self, path: str, last_event_id: str | None) -> Iterator[Iterator[ServerSentEvent]]:
        """One connection to an event stream, resuming after `last_event_id`."""
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        timeout = httpx.Timeout(self.timeout_s, read=None)
        try:
            with connect_sse(self._http, "GET", path, headers=headers, timeout=timeout) as source:
                if source.response.is_error:
                    source.response.read()
                    raise ApiRefused(source.response.status_code, _detail(source.response))
                yield source.iter_sse()
        except httpx.TransportError as error:
            raise Unreachable(f"event stream {path} broke: {error}") from error
