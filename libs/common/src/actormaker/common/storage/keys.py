"""Names and keys: the only way a path segment or storage key is built or accepted."""

import hashlib
import re
import unicodedata

from actormaker.common.errors import InvalidName

MAX_NAME_LENGTH = 200

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", re.ASCII)
_NAME_CHAR = re.compile(r"[A-Za-z0-9._-]", re.ASCII)
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+", re.ASCII)
_SUFFIX = re.compile(r"[A-Za-z0-9]{1,10}", re.ASCII)
_DIGEST_LENGTH = 10


def validate_name(name: str) -> str:
    """Return `name` if it is one safe path segment, else raise InvalidName."""
    if _NAME.fullmatch(name) and ".." not in name:
        return name
    raise InvalidName(name, _name_problem(name))


def safe_name(name: str) -> str:
    """`name` if it is a valid name, else a readable valid one no other name maps to.

    S3 keys hold spaces, '+', '%', parentheses and accents that a local name may not. Accents are
    dropped from their letters, other runs become '_', and a digest of the original is appended:
    `Zoë (2).png` → `Zoe_2_<digest>.png`. Two originals never share a local name, and the original
    is kept where it came from (response.json keeps the real URL).
    """
    if _NAME.fullmatch(name) and ".." not in name:
        return name
    if not name or "/" in name or "\0" in name:
        raise InvalidName(name, _name_problem(name))
    stem, dot, suffix = name.rpartition(".")
    if not (dot and stem and _SUFFIX.fullmatch(suffix)):
        stem, dot, suffix = name, "", ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    readable = _UNSAFE_RUN.sub("_", ascii_stem).strip("_-")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST_LENGTH]
    room = MAX_NAME_LENGTH - len(digest) - len(dot + suffix) - 1
    return f"{readable[:room] or 'file'}_{digest}{dot}{suffix}"


def validate_key(key: str) -> str:
    """Return `key` if it is a relative '/'-joined path of valid names, else raise InvalidName."""
    if problem := _key_problem(key):
        raise InvalidName(key, problem)
    for segment in key.split("/"):
        try:
            validate_name(segment)
        except InvalidName as exc:
            raise InvalidName(key, f"segment {segment!r} {exc.reason}") from None
    return key


def join_key(*parts: str) -> str:
    """Join parts (each a name or a key) with '/' into a validated key."""
    return validate_key("/".join(parts))


def _name_problem(name: str) -> str:
    if not name:
        return "must not be empty"
    if "/" in name:
        return "must not contain '/'"
    if "\\" in name:
        return "must not contain '\\'"
    if "\0" in name:
        return "must not contain a NUL character"
    if len(name) > MAX_NAME_LENGTH:
        return f"is too long (max {MAX_NAME_LENGTH})"
    if ".." in name:
        return "must not contain '..'"
    if not _NAME_CHAR.fullmatch(name[0]) or name[0] in "._-":
        return "must start with a letter or digit"
    bad = sorted({c for c in name if not _NAME_CHAR.fullmatch(c)})
    return f"may only contain letters, digits, '.', '_' and '-' (found {''.join(bad)!r})"


def _key_problem(key: str) -> str | None:
    if not key:
        return "must not be empty"
    if "\0" in key:
        return "must not contain a NUL character"
    if "\\" in key:
        return "must not contain '\\'"
    if "%" in key:
        return "must not contain percent-encoding ('%')"
    if key.startswith("/"):
        return "must be relative (no leading '/')"
    segments = key.split("/")
    if "" in segments:
        return "must not contain empty segments ('//' or a trailing '/')"
    if "." in segments or ".." in segments:
        return "must not contain '.' or '..' segments"
    return None


def validate_prefix(prefix: str) -> str:
    """Return a list prefix as a key without trailing '/', or '' for everything."""
    if not prefix:
        return ""
    return validate_key(prefix.removesuffix("/"))
