"""What the sync and async clients share: building calls and reading answers. No I/O here."""

from __future__ import annotations

import warnings
from typing import Any

import httpx

from .auth import OAuth2ClientCredentials, OvhSignature
from .errors import SchemasVersionDeprecated, TaskFailed, error_from
from .settings import Settings, target

__all__ = ["auth_for", "params_of", "headers_of", "result", "next_cursor", "resource_path", "failure", "done"]

USER_AGENT = "convergent-client/0.1"


def auth_for(settings: Settings) -> httpx.Auth:
    """The signing or bearer auth the settings call for; the clock delta is asked lazily."""
    if settings.uses_oauth2:
        return OAuth2ClientCredentials(settings.client_id, settings.client_secret, settings.token_url)
    return OvhSignature(
        settings.application_key,
        settings.application_secret,
        settings.consumer_key or "",
        time_url=target(settings.endpoint, "/auth/time"),
    )


def params_of(params: dict | None) -> dict | None:
    """Query parameters as python-ovh writes them: booleans `true`/`false`, None `null`."""
    if not params:
        return None
    out = {}
    for key, value in params.items():
        if isinstance(value, bool):
            value = str(value).lower()
        elif value is None:
            value = "null"
        out[key] = value
    return out


def headers_of(schemas_version: str | None, extra: dict | None = None) -> dict:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if schemas_version:
        headers["X-Schemas-Version"] = schemas_version
    headers.update(extra or {})
    return headers


def result(response: httpx.Response) -> Any:
    """The decoded answer, or the matching ApiError raised; warns on a deprecated schema version."""
    deprecation = response.headers.get("deprecation")
    if deprecation:
        version = response.headers.get("x-schemas-version")
        sunset = response.headers.get("sunset")
        warnings.warn(
            SchemasVersionDeprecated(
                f"schemas version {version or '?'} of {response.request.url.path} is deprecated"
                + (f"; end of availability {sunset}" if sunset else ""),
                version=version,
                deprecation=deprecation,
                sunset=sunset,
                link=response.headers.get("link"),
            ),
            stacklevel=4,
        )
    if response.status_code >= 400:
        raise error_from(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def next_cursor(response: httpx.Response) -> str | None:
    return response.headers.get("x-pagination-cursor-next")


def resource_path(resource: str | dict, path: str | None = None) -> str:
    """The path to poll: given, or the resource's own, read from a current task's link."""
    if isinstance(resource, str):
        return resource
    if path:
        return path
    for task in resource.get("currentTasks") or []:
        link = task.get("link") or ""
        if "/task/" in link:
            return link.rsplit("/task/", 1)[0]
    raise ValueError("cannot tell this resource's path (no current task): pass path=")


def done(resource: dict, until: str) -> bool:
    return resource.get("resourceStatus") == until and not any(
        t.get("status") in ("PENDING", "RUNNING", "SCHEDULED") for t in resource.get("currentTasks") or []
    )


def failure(resource: dict, tasks: list[dict]) -> TaskFailed:
    """The TaskFailed for a resource in ERROR, with the message of its failed task."""
    for task in tasks:
        if task.get("status") == "ERROR":
            messages = [e.get("message", "") for e in task.get("errors") or []]
            message = "; ".join(m for m in messages if m) or task.get("message") or "task failed"
            return TaskFailed(message, task=task, resource=resource)
    return TaskFailed(f"resource {resource.get('id')} is in ERROR", resource=resource)
