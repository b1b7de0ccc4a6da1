"""The blocking client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .errors import NotFoundError, WaitTimeout
from .settings import Settings, load_settings, target
from .wire import auth_for, done, failure, headers_of, next_cursor, params_of, resource_path, result

__all__ = ["Client"]

Progress = Callable[[dict, list[dict]], None]


class Client:
    """A client for OVHcloud's API or any server speaking it (convergent), on httpx.

    Configuration as python-ovh reads it (arguments, `OVH_*` variables, `ovh.conf`), and any
    URL as endpoint; see `load_settings`. Signed with the application and consumer keys, or
    with an OAuth2 bearer from `client_id`/`client_secret` (refreshed when it expires).

    Calls return the decoded JSON (None for an empty answer) and raise an `ApiError` subclass
    on refusal. With `schemas_version` every call sends `X-Schemas-Version`; an answer served
    by a deprecated version emits a `SchemasVersionDeprecated` warning. Use as a context
    manager, or call `close()`.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        application_key: str | None = None,
        application_secret: str | None = None,
        consumer_key: str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        config_file: str | None = None,
        token_url: str | None = None,
        schemas_version: str | None = None,
        timeout: float = 180.0,
        settings: Settings | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.settings = settings or load_settings(
            endpoint,
            config_file=config_file,
            token_url=token_url,
            application_key=application_key,
            application_secret=application_secret,
            consumer_key=consumer_key,
            client_id=client_id,
            client_secret=client_secret,
        )
        self.schemas_version = schemas_version
        self._http = httpx.Client(auth=auth_for(self.settings), timeout=timeout, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def raw(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        """Send one call and return the answer as it is (no error raised)."""
        return self._http.request(
            method,
            target(self.settings.endpoint, path),
            json=json,
            params=params_of(params),
            headers=headers_of(self.schemas_version, headers),
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> Any:
        return result(self.raw(method, path, json=json, params=params, headers=headers))

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, json=body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("PUT", path, json=body)

    def delete(self, path: str, **params: Any) -> Any:
        return self.call("DELETE", path, params=params)

    def iterate(self, path: str, *, page_size: int | None = None, **params: Any) -> Iterator[Any]:
        """Every item of a list, following `X-Pagination-Cursor-Next` page after page."""
        headers = {"X-Pagination-Size": str(page_size)} if page_size else {}
        while True:
            response = self.raw("GET", path, params=params, headers=headers)
            yield from result(response) or []
            cursor = next_cursor(response)
            if not cursor:
                return
            headers = {**headers, "X-Pagination-Cursor": cursor}

    def wait(
        self,
        resource: str | dict,
        until: str = "READY",
        *,
        path: str | None = None,
        timeout: float = 3600,
        poll: float = 2.0,
        on_progress: Progress | None = None,
    ) -> dict | None:
        """Poll a resource until its status is `until` with no task in flight, and return it.

        `resource` is a path or an envelope (its path is read from a current task's link, or
        given as `path`). `until="DELETED"` waits for 404 and returns None. On ERROR raises
        TaskFailed with the failed task's message; past `timeout` seconds, WaitTimeout.
        `on_progress(resource, tasks)` is called after each poll with the current tasks in full.
        """
        url = resource_path(resource, path)
        deadline, pause = time.monotonic() + timeout, min(0.05, poll)
        while True:
            try:
                current = self.get(url)
            except NotFoundError:
                if until == "DELETED":
                    return None
                raise
            error = current.get("resourceStatus") == "ERROR"
            tasks = [self._task(t) for t in current.get("currentTasks") or []] if on_progress or error else []
            if on_progress:
                on_progress(current, tasks)
            if done(current, until):
                return current
            if error:
                raise failure(current, tasks)
            if time.monotonic() > deadline:
                raise WaitTimeout(f"{url} not {until} after {timeout:g}s", current)
            time.sleep(pause)
            pause = min(pause * 2, poll)

    def _task(self, ref: dict) -> dict:
        """A current task in full, or its reference where the kind serves no task route."""
        try:
            return self.get(ref["link"])
        except NotFoundError:
            return ref
