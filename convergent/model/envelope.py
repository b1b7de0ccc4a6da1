"""The wire shapes of as-code resources, tasks and events, built from stored records."""

from __future__ import annotations

from .kind import Kind
from .records import Event, Resource, Task
from .times import iso
from .versions import IDENTITY, Codec

__all__ = ["envelope", "task_body", "event_body", "urn"]


def urn(resource_type: str, id: str, region: str = "eu") -> str:
    return f"urn:v1:{region}:resource:{resource_type}:{id}"


def envelope(kind: Kind, r: Resource, codec: Codec = IDENTITY) -> dict:
    """The as-code envelope in a major's shape (the codec's), keys in alphabetical order as on
    OVHcloud's wire. The checksum is the hub spec's: the same whichever major reads it."""
    out = {
        "checksum": r.checksum,
        "createdAt": iso(r.created_at),
        "currentState": codec.state_from_hub(r.current_state),
        "currentTasks": r.current_tasks,
        "id": r.id,
        "resourceStatus": r.status,
        "targetSpec": codec.spec_from_hub(r.target_spec),
        "updatedAt": iso(r.updated_at),
    }
    if kind.iam_type:
        out["iam"] = {
            "displayName": kind.strategy.display_name(r),
            "id": r.iam_id,
            "tags": r.tags,
            "urn": urn(kind.iam_type, r.id),
        }
    if kind.strategy.secret_spec:
        out["targetSpec"] = {k: v for k, v in out["targetSpec"].items() if k not in kind.strategy.secret_spec}
    extra = kind.strategy.extra_fields(r)
    if extra:
        out.update(extra)
    for name in kind.strategy.hidden:
        out.pop(name, None)
    return dict(sorted(out.items()))


def _maybe_iso(value: float | None) -> str | None:
    return None if value is None else iso(value)


def task_body(t: Task) -> dict:
    return {
        "createdAt": iso(t.created_at),
        "errors": t.errors,
        "finishedAt": _maybe_iso(t.finished_at),
        "id": t.id,
        "link": t.link,
        "message": t.message,
        "progress": t.progress,
        "startedAt": _maybe_iso(t.started_at),
        "status": t.status,
        "type": t.type,
        "updatedAt": iso(t.updated_at),
    }


def event_body(e: Event) -> dict:
    return {
        "createdAt": iso(e.created_at),
        "kind": e.name,
        "link": e.link,
        "message": e.message,
        "type": e.type,
    }
