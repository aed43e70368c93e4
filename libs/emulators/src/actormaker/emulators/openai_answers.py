"""What the emulated vision model answers.

With a JSON schema, the answer fits it: a `unique_tiles` property is answered from the image
(the tiles of its 3x3 grid that repeat no earlier tile), every other required property gets a
plausible value of its type. Without one, a caption. `Quality` makes it garbage or empty instead.
"""

import json
from collections.abc import Iterator
from typing import Any, Literal

from PIL import Image

from actormaker.emulators.grids import TILES, unique_tiles
from actormaker.emulators.openai_schemas import JsonSchema

Quality = Literal["good", "prose", "mistyped", "empty"]
JsonSchemaDict = dict[str, Any]

_UNIQUENESS = "unique_tiles"
_CAPTION = "A well-lit photo of one person against a plain background."
_PROSE_ABOUT_TILES = "I think tiles 1, 2"
_PROSE = "I think it is a photo of a person."


class SchemaRejected(Exception):
    """A response_format the real API refuses; the message is OpenAI's."""


def schema_answer(spec: JsonSchema, image: Image.Image | None, quality: Quality) -> str:
    """The message content for a json_schema response_format."""
    schema = spec.json_schema
    properties = schema.get("properties", {})
    uniqueness = _UNIQUENESS in properties
    if quality == "prose":
        return _PROSE_ABOUT_TILES if uniqueness else _PROSE
    if quality == "mistyped":
        return json.dumps(_mistyped(schema))
    empty = quality == "empty"
    answer = _fill(schema, root=schema, name=spec.name, empty=empty)
    if uniqueness and isinstance(answer, dict) and image is not None and not empty:
        unique = unique_tiles(image)
        answer[_UNIQUENESS] = unique
        for name in _plain_string_properties(properties, root=schema):
            if name in answer:
                answer[name] = _explain(unique)
    return json.dumps(answer)


def plain_answer(json_object: bool, quality: Quality) -> str:
    """The message content for plain text or a json_object response_format."""
    if quality == "empty":
        return "{}" if json_object else ""
    if quality in ("prose", "mistyped"):
        return _PROSE
    return json.dumps({"caption": _CAPTION}) if json_object else _CAPTION


def check_schema(spec: JsonSchema) -> None:
    """Refuse a schema the way the API does: an object at the root and, when strict, every
    object closed and all its properties required."""
    schema = spec.json_schema
    if schema.get("type") != "object":
        raise SchemaRejected(
            f"Invalid schema for response_format '{spec.name}': schema must be a JSON Schema "
            f"of 'type: \"object\"', got 'type: \"{schema.get('type')}\"'."
        )
    if not spec.strict:
        return
    for context, subschema in _subschemas(schema, ()):
        problem = _strict_problem(subschema)
        if problem is not None:
            raise SchemaRejected(
                f"Invalid schema for response_format '{spec.name}': In context={context}, {problem}"
            )


def _strict_problem(schema: JsonSchemaDict) -> str | None:
    if schema.get("type") != "object":
        return None
    if schema.get("additionalProperties") is not False:
        return "'additionalProperties' is required to be supplied and to be false."
    missing = [
        name for name in schema.get("properties", {}) if name not in schema.get("required", [])
    ]
    if missing:
        return (
            "'required' is required to be supplied and to be an array including every key "
            f"in properties. Missing '{missing[0]}'."
        )
    return None


def _subschemas(
    schema: JsonSchemaDict, context: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], JsonSchemaDict]]:
    yield context, schema
    for name, child in schema.get("properties", {}).items():
        yield from _subschemas(child, (*context, "properties", name))
    if isinstance(schema.get("items"), dict):
        yield from _subschemas(schema["items"], (*context, "items"))
    for key in ("anyOf", "allOf"):
        for index, child in enumerate(schema.get(key, [])):
            yield from _subschemas(child, (*context, key, str(index)))
    for key in ("$defs", "definitions"):
        for name, child in schema.get(key, {}).items():
            yield from _subschemas(child, (*context, key, name))


def _fill(schema: JsonSchemaDict, *, root: JsonSchemaDict, name: str, empty: bool) -> object:
    """A plausible value for `schema`; `empty` gives the emptiest one that still fits."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [_resolve(branch, root) for branch in schema[key]]
            chosen = next((b for b in branches if b.get("type") != "null"), branches[0])
            return _fill(chosen, root=root, name=name, empty=empty)
    match _type_of(schema):
        case "object":
            properties = schema.get("properties", {})
            return {
                key: _fill(properties[key], root=root, name=key, empty=empty)
                for key in schema.get("required", [])
                if key in properties
            }
        case "array":
            count = max(schema.get("minItems", 0), 0 if empty else 1)
            items = schema.get("items", {})
            return [_fill(items, root=root, name=name, empty=empty) for _ in range(count)]
        case "integer":
            return round(_number(schema, default=1))
        case "number":
            return _number(schema, default=0.5)
        case "boolean":
            return not empty
        case "null":
            return None
        case _:
            return "" if empty else _CAPTION


def _mistyped(schema: JsonSchemaDict) -> object:
    """JSON of the wrong shape: the first required property holds a value of another type."""
    required = schema.get("required") or list(schema.get("properties", {}))
    if not required:
        return []
    first = required[0]
    kind = _type_of(_resolve(schema.get("properties", {}).get(first, {}), schema))
    return {first: 42 if kind == "string" else "many"}


def _plain_string_properties(properties: JsonSchemaDict, *, root: JsonSchemaDict) -> list[str]:
    return [
        name
        for name, child in properties.items()
        if _type_of(_resolve(child, root)) == "string" and "enum" not in child
    ]


def _explain(unique: list[int]) -> str:
    repeated = [position for position in range(1, TILES + 1) if position not in unique]
    if not repeated:
        return "All nine tiles show different images."
    listed = ", ".join(str(position) for position in repeated)
    return f"Tiles {listed} repeat an earlier tile; the others are all different."


def _resolve(schema: JsonSchemaDict, root: JsonSchemaDict) -> JsonSchemaDict:
    reference = schema.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/"):
        return schema
    target: Any = root
    for part in reference[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    return _resolve(target, root) if isinstance(target, dict) else {}


def _type_of(schema: JsonSchemaDict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind


def _number(schema: JsonSchemaDict, *, default: float) -> float:
    value = schema.get("minimum", schema.get("exclusiveMinimum", default))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        value += 1
    maximum = schema.get("maximum")
    return min(value, maximum) if maximum is not None else value
