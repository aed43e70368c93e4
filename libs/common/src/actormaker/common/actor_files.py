"""An actor's files in workspace storage, and the response.json that lists its S3 URLs.

    data/actors/{actor}/base_image/{actor}_base.png
    data/actors/{actor}/training_data/{actor}_{i}.png, request.json, response.json
    data/actors/{actor}/poster_frame/{actor}_poster_urls.json

response.json comes in two forms, and is rewritten in the form it was found in:
the legacy RunPod envelope `{"id", "status", "output": {"output": {"s3_image_urls": [...]}}}`
and the simple `{"s3_urls": [...]}` that new files get.
"""

import json
import re
from typing import Any, Self

from actormaker.common.digits import ascii_int, is_ascii_number
from actormaker.common.errors import InvalidInput
from actormaker.common.storage import join_key, validate_name

ACTORS_ROOT = "data/actors"
TRAINING_DATA = "training_data"
BASE_IMAGE = "base_image"
RESPONSE_FILE = "response.json"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")

# Where a list of URLs may sit in response.json, most specific first.
_URL_PATHS = (("output", "output", "s3_image_urls"), ("s3_image_urls",), ("s3_urls",))
_NEW_FILE_PATH = ("s3_urls",)
_DIGITS = re.compile(r"([0-9]+)")


def actor_dir(actor: str) -> str:
    """The storage key of an actor's folder."""
    return join_key(ACTORS_ROOT, validate_name(actor))


def training_dir(actor: str) -> str:
    """The storage key of an actor's training_data folder."""
    return join_key(actor_dir(actor), TRAINING_DATA)


def training_key(actor: str, filename: str) -> str:
    """The storage key of one file in an actor's training_data folder."""
    return join_key(training_dir(actor), validate_name(filename))


def response_key(actor: str) -> str:
    """The storage key of an actor's response.json."""
    return training_key(actor, RESPONSE_FILE)


def base_image_dir(actor: str) -> str:
    """The storage key of an actor's base_image folder."""
    return join_key(actor_dir(actor), BASE_IMAGE)


def is_image(filename: str) -> bool:
    """Whether a file name looks like a training image (by its suffix)."""
    return filename.lower().endswith(IMAGE_SUFFIXES)


def image_index(actor: str, filename: str) -> int | None:
    """The i of `{actor}_{i}.{ext}`, or None for a name that does not follow the convention."""
    stem, dot, _suffix = filename.rpartition(".")
    number = stem.removeprefix(f"{actor}_")
    return ascii_int(number) if dot and number != stem else None


def natural_order(name: str) -> tuple[Any, ...]:
    """A sort key that puts `x_2.png` before `x_10.png`."""
    return tuple(int(part) if is_ascii_number(part) else part for part in _DIGITS.split(name))


def is_training_data_key(key: str) -> bool:
    """Whether a storage key is a file directly inside some actor's training_data folder."""
    parts = key.split("/")
    return len(parts) == 5 and "/".join(parts[:2]) == ACTORS_ROOT and parts[3] == TRAINING_DATA


class InvalidManifest(InvalidInput):
    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key} is not a usable response.json: {reason}")


class TrainingManifest:
    """The S3 URLs of an actor's training images, as response.json lists them."""

    def __init__(self, document: Any, path: tuple[str, ...]) -> None:
        self._document = document
        self._path = path

    @classmethod
    def empty(cls) -> Self:
        """A manifest for an actor that has no response.json yet."""
        return cls({}, _NEW_FILE_PATH)

    @classmethod
    def parse(cls, data: bytes, *, key: str) -> Self:
        """Read either form of response.json; InvalidManifest if it lists no URLs we can find."""
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidManifest(key, f"not JSON ({error})") from None
        for path in _URL_PATHS:
            urls = _lookup(document, path)
            if urls is not None:
                if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
                    raise InvalidManifest(key, f"{'.'.join(path)} is not a list of URLs")
                return cls(document, path)
        forms = " or ".join(".".join(path) for path in _URL_PATHS)
        raise InvalidManifest(key, f"found no {forms}")

    @property
    def urls(self) -> list[str]:
        return list(_lookup(self._document, self._path) or [])

    def with_urls(self, urls: list[str]) -> Self:
        """The same document, in the same form, listing `urls` instead."""
        document = json.loads(json.dumps(self._document))
        node = document
        for name in self._path[:-1]:
            node = node.setdefault(name, {})
        node[self._path[-1]] = urls
        return type(self)(document, self._path)

    def to_bytes(self) -> bytes:
        """The document as indented JSON."""
        return json.dumps(self._document, indent=2).encode() + b"\n"


def _lookup(document: Any, path: tuple[str, ...]) -> Any:
    node = document
    for name in path:
        if not isinstance(node, dict) or name not in node:
            return None
        node = node[name]
    return node
