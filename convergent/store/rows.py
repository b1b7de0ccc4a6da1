"""Rows and records: the column lists and converters both stores share (same schema, same
JSON encoding, so answers are byte for byte the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import msgspec

from ..model.records import Event, Item, Resource, Task
from .base import Page

__all__ = [
    "RESOURCE_COLUMNS",
    "TASK_COLUMNS",
    "EVENT_COLUMNS",
    "ITEM_COLUMNS",
    "to_json",
    "to_resource",
    "to_task",
    "to_event",
    "to_item",
    "to_page",
]

_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.decode


def to_json(value) -> str:
    return _encode(value).decode()


RESOURCE_COLUMNS = (
    "seq, account, kind, id, parent_id, path, status, target_spec, current_state, checksum, "
    "current_tasks, iam_id, tags, created_at, updated_at"
)
TASK_COLUMNS = (
    "seq, id, account, kind, resource_id, action, type, status, message, link, steps, progress, "
    "step, due_at, errors, attempts, created_at, updated_at, started_at, finished_at, lease_owner, lease_until"
)
EVENT_COLUMNS = "seq, account, kind, resource_id, type, name, message, link, created_at"
ITEM_COLUMNS = "seq, account, kind, id, key, body, created_at, updated_at, parent, version"


def to_resource(row) -> Resource:
    return Resource(
        seq=row[0],
        account=row[1],
        kind=row[2],
        id=row[3],
        parent_id=row[4],
        path=row[5],
        status=row[6],
        target_spec=_decode(row[7]),
        current_state=_decode(row[8]),
        checksum=row[9],
        current_tasks=_decode(row[10]),
        iam_id=row[11],
        tags=_decode(row[12]),
        created_at=row[13],
        updated_at=row[14],
    )


def to_task(row) -> Task:
    return Task(
        seq=row[0],
        id=row[1],
        account=row[2],
        kind=row[3],
        resource_id=row[4],
        action=row[5],
        type=row[6],
        status=row[7],
        message=row[8],
        link=row[9],
        steps=_decode(row[10]),
        progress=_decode(row[11]),
        step=row[12],
        due_at=row[13],
        errors=_decode(row[14]),
        attempts=row[15],
        created_at=row[16],
        updated_at=row[17],
        started_at=row[18],
        finished_at=row[19],
        lease_owner=row[20],
        lease_until=row[21],
    )


def to_event(row) -> Event:
    return Event(
        seq=row[0],
        account=row[1],
        kind=row[2],
        resource_id=row[3],
        type=row[4],
        name=row[5],
        message=row[6],
        link=row[7],
        created_at=row[8],
    )


def to_item(row) -> Item:
    return Item(
        seq=row[0],
        account=row[1],
        kind=row[2],
        id=row[3],
        key=row[4],
        body=_decode(row[5]),
        created_at=row[6],
        updated_at=row[7],
        parent=row[8],
        version=row[9],
    )


def to_page(rows, limit: int, convert) -> Page:
    page = Page(convert(row) for row in rows[:limit])
    page.more = len(rows) > limit
    return page
