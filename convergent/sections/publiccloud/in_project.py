"""What the routes under a project share: its path parameter and the project itself."""

from __future__ import annotations

from ...model.records import Resource
from .project import PROJECT, is_project_id

__all__ = ["PROJECT_PARAM", "project_of"]

PROJECT_PARAM = {"projectId": is_project_id}


async def project_of(call) -> Resource:
    """The project the path names, if the caller's account has it (404 otherwise)."""
    return await call.resource(PROJECT)
