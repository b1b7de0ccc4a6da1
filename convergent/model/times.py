"""Wire timestamps: RFC 3339 in UTC with millisecond precision and a `Z`."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["iso"]


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
