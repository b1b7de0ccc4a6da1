"""Cursor pagination on the wire: the page size a call asks for (`X-Pagination-Size`). The
cursors themselves are model/cursors.py's."""

from __future__ import annotations

from ..errors import ApiError
from ..model.numbers import decimal

__all__ = ["page_size", "DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE"]

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000


def page_size(raw: str | None) -> int:
    """X-Pagination-Size: absent -> the default; larger than the maximum -> the maximum."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    size = decimal(raw)
    if not size:
        raise ApiError.bad_request(
            "InvalidPaginationSize",
            f"X-Pagination-Size must be a positive integer, got {raw!r}",
            header="X-Pagination-Size",
        )
    return min(size, MAX_PAGE_SIZE)
