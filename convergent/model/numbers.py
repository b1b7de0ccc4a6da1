"""Numbers read from the wire: ASCII digits only, and not too many of them.

`str.isdigit()` accepts superscripts and other scripts' digits and `int()` any length; a
header or parameter read with them can raise where nothing expects it. Read numbers here."""

from __future__ import annotations

__all__ = ["decimal"]

_ASCII_DIGITS = frozenset("0123456789")


def decimal(text: str | bytes | None, digits: int = 18) -> int | None:
    """The non-negative integer `text` writes in 1 to `digits` ASCII digits, else None."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    if not 0 < len(text) <= digits or not _ASCII_DIGITS.issuperset(text):
        return None
    return int(text)
