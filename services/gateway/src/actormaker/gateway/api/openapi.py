"""What the OpenAPI description says an operation can answer besides its success.

The errors follow from what an operation takes (a path, a body, the API key), so they are added
to the generated description once here rather than repeated on every route: a client, or
schemathesis, can rely on every status being listed with the body it really has.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from actormaker.gateway.schemas import ErrorMessage, ValidationFailed

Schema = dict[str, Any]

_WRITES = {"post", "put", "patch", "delete"}
_REF = "#/components/schemas/{model}"
# FastAPI's own 422 shape, which our answers do not have.
_REPLACED = ("HTTPValidationError", "ValidationError")


def _answer(model: type[BaseModel], description: str) -> Schema:
    ref = {"$ref": _REF.format(model=model.__name__)}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _over_rate_limit() -> Schema:
    answer = _answer(ErrorMessage, "the API key is over its rate limit; retry after a while")
    retry_after = {"description": "whole seconds to wait", "schema": {"type": "integer"}}
    return answer | {"headers": {"Retry-After": retry_after}}


def _errors_of(operation: Schema, method: str) -> dict[str, Schema]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    errors = {
        "413": _answer(ErrorMessage, "the request body is over MAX_BODY_BYTES"),
        "503": _answer(ErrorMessage, "NATS cannot be reached now; retry"),
    }
    if operation.get("security"):
        errors["401"] = _answer(ErrorMessage, "missing, unknown or revoked API key")
        errors["403"] = _answer(ErrorMessage, "the API key lacks the scope this request needs")
        errors["429"] = _over_rate_limit()
    if has_body:
        errors["400"] = _answer(ErrorMessage, "the body is not valid JSON or form data")
    if has_body or any(p["in"] == "path" for p in parameters):
        errors["404"] = _answer(ErrorMessage, "something the request names does not exist")
    if method in _WRITES:
        errors["409"] = _answer(
            ErrorMessage,
            "the request contradicts the current state: it exists already, the job is over, "
            "the Idempotency-Key was used for another request, or another request changed it",
        )
    if has_body or parameters:
        errors["422"] = _answer(
            ValidationFailed, "the input is invalid: each field with its problem, or a sentence"
        )
    return errors


def with_error_answers(description: Schema) -> Schema:
    """`description` with every operation's error statuses and their bodies."""
    schemas = description.setdefault("components", {}).setdefault("schemas", {})
    for name in _REPLACED:
        schemas.pop(name, None)
    for model in (ErrorMessage, ValidationFailed):
        model_schema = model.model_json_schema(ref_template=_REF)
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    for item in description["paths"].values():
        for method, operation in item.items():
            errors = _errors_of(operation, method)
            responses = operation["responses"]
            responses.update({code: errors[code] for code in errors if code not in responses})
            if "422" in errors:
                responses["422"] = errors["422"]
    return description


def document_errors(app: FastAPI) -> None:
    """Make `app`'s OpenAPI description list the error answers (generated once, on first use)."""
    generate: Callable[[], Schema] = app.openapi

    def openapi() -> Schema:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_answers(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
