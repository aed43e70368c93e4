"""Numbers written in text: ASCII digits only.

`str.isdigit` is true for Arabic-Indic '٣' and superscript '²', and `int` accepts the first
and refuses the second. An id, a sequence or a timestamp from a header or a file name is ASCII
or not a number.
"""

import re

_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def is_ascii_number(text: str) -> bool:
    return _ASCII_DIGITS.fullmatch(text) is not None


def ascii_int(text: str) -> int | None:
    """The non-negative integer `text` spells in ASCII digits, or None."""
    return int(text) if is_ascii_number(text) else None
