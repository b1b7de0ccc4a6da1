"""The status vocabularies of the as-code model, as strings on the wire."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ResourceStatus", "TaskStatus", "EventType", "Action"]


class ResourceStatus(StrEnum):
    CREATING = "CREATING"
    DELETING = "DELETING"
    ERROR = "ERROR"
    READY = "READY"
    SUSPENDED = "SUSPENDED"
    UPDATING = "UPDATING"


class TaskStatus(StrEnum):
    DONE = "DONE"
    ERROR = "ERROR"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"


class EventType(StrEnum):
    TARGET_SPEC_UPDATE = "TARGET_SPEC_UPDATE"
    TASK_START = "TASK_START"
    TASK_SUCCESS = "TASK_SUCCESS"
    TASK_ERROR = "TASK_ERROR"
    # Writes of plain objects (engine/objects.py), which take effect without a task.
    OBJECT_CREATE = "OBJECT_CREATE"
    OBJECT_UPDATE = "OBJECT_UPDATE"
    OBJECT_DELETE = "OBJECT_DELETE"


class Action(StrEnum):
    """What a change asks of a reconciler."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
