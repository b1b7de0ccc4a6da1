"""Snapshots: the whole state saved to a file and loaded back, refused across incompatible
versions (a different snapshot format or database schema)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..errors import ApiError
from ..store import Store

__all__ = ["save", "load", "FORMAT"]

FORMAT = "convergent-snapshot"
FORMAT_VERSION = 1


async def save(store: Store, path: str | None = None) -> dict:
    """The snapshot as a JSON-able dict, also written to `path` when given."""
    dump = await store.dump()
    snapshot = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "convergent": __version__, **dump}
    if path:
        Path(path).write_text(json.dumps(snapshot), encoding="utf-8")
    return snapshot


async def load(store: Store, snapshot: dict | None = None, path: str | None = None) -> None:
    if snapshot is None:
        try:
            snapshot = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ApiError.bad_request(
                "SnapshotUnreadable", f"Cannot read a snapshot from {path}: {error}"
            ) from None
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise ApiError.bad_request("SnapshotIncompatible", "This is not a convergent snapshot")
    if snapshot.get("formatVersion") != FORMAT_VERSION:
        raise ApiError.bad_request(
            "SnapshotIncompatible",
            f"Snapshot format {snapshot.get('formatVersion')} (convergent {snapshot.get('convergent')}); "
            f"this convergent {__version__} reads format {FORMAT_VERSION}",
        )
    try:
        await store.restore(snapshot)
    except ValueError as error:
        raise ApiError.bad_request(
            "SnapshotIncompatible", f"Snapshot from convergent {snapshot.get('convergent')}: {error}"
        ) from None
