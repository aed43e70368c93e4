"""ASGI middleware: refuse text no database or file system would take, before any route sees it.

PostgreSQL refuses NUL characters in text, UTF-8 cannot encode a lone surrogate (JSON's
`"\\ud800"`), and JSON columns refuse NaN and Infinity, which Python's parser accepts. Rather than
each route finding out with a 500, the path, the query and every JSON body are checked here
once, and the answer is a 422 naming the field, in the shape of any other validation failure.
"""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actormaker.gateway.middleware import send_json_error

Location = list[str | int]


class _NotAConstant(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotAConstant(name)


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "contains a lone UTF-16 surrogate, which is not valid Unicode"
    return None


def _json_problems(value: Any, where: Location) -> Iterator[tuple[Location, str]]:
    if isinstance(value, str):
        if problem := text_problem(value):
            yield where, problem
    elif isinstance(value, dict):
        for key, inner in value.items():
            if problem := text_problem(key):
                yield [*where, "(key)"], problem
            else:
                yield from _json_problems(inner, [*where, key[:80]])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _json_problems(inner, [*where, index])


def _request_problems(scope: Scope, body: bytes | None) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    # The raw path: Starlette's decoded one has already replaced what is not UTF-8.
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if problem := text_problem(unquote(raw_path.decode("latin-1"), errors="surrogatepass")):
        problems.append((["path"], problem))
    query = scope["query_string"].decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="surrogatepass"):
        if problem := text_problem(name) or text_problem(value):
            problems.append((["query", name.replace("\x00", "\\0")[:80]], problem))
    if body:
        try:
            document = json.loads(body, parse_constant=_refuse_constant)
        except _NotAConstant as constant:
            problems.append((["body"], f"{constant} is not a JSON number (JSON has no NaN)"))
        except ValueError:
            pass  # not JSON at all: the route answers that, as it does for any malformed body
        else:
            problems.extend(_json_problems(document, ["body"]))
    return problems


def _is_json(scope: Scope) -> bool:
    content_type = dict(scope["headers"]).get(b"content-type", b"")
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class InputGuard:
    """Answer 422 for a NUL, a lone surrogate or a NaN anywhere in the path, query or JSON body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = None
        if _is_json(scope):
            messages = await _read_body(receive)
            body = b"".join(m.get("body", b"") for m in messages)
        if problems := _request_problems(scope, body):
            await _refuse(send, problems)
            return
        await self.app(scope, _replaying(messages, receive) if messages else receive, send)


async def _read_body(receive: Receive) -> list[Message]:
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _refuse(send: Send, problems: list[tuple[Location, str]]) -> None:
    detail = [
        {"loc": where, "msg": problem, "type": "unstorable_input"} for where, problem in problems
    ]
    await send_json_error(send, 422, detail[:20])
