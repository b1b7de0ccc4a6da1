"""Query parameters the IAM routes share."""

from __future__ import annotations

import uuid

from ...errors import ApiError

__all__ = ["flag", "is_uuid"]


def flag(call, name: str) -> bool | None:
    """A boolean query parameter (`true` or `false`, any case); None when absent."""
    raw = call.request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError.invalid_parameter(name, "true or false")
    return raw.lower() == "true"


def is_uuid(value: str) -> bool:
    """A UUID in its canonical form (lower case, with hyphens), as IAM ids are written."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
