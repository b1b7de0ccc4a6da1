"""The asyncio client: the same surface as `Client`, awaited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from .errors import NotFoundError, WaitTimeout
from .settings import Settings, load_settings, target
from .wire import auth_for, done, failure, headers_of, next_cursor, params_of, resource_path, result

__all__ = ["AsyncClient"]

Progress = Callable[[dict, list[dict]], None]


class AsyncClient:
    """An asyncio client for OVHcloud's API or any server speaking it (convergent), on httpx.

    Configuration as python-ovh reads it (arguments, `OVH_*` variables, `ovh.conf`), and any
    URL as endpoint; see `load_settings`. Signed with the application and consumer keys, or
    with an OAuth2 bearer from `client_id`/`client_secret` (refreshed when it expires).

    Calls return the decoded JSON (None for an empty answer) and raise an `ApiError` subclass
    on refusal. With `schemas_version` every call sends `X-Schemas-Version`; an answer served
    by a deprecated version emits a `SchemasVersionDeprecated` warning. Use as a context
    manager (`async with`), or call `aclose()`.
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
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._http = httpx.AsyncClient(auth=auth_for(self.settings), timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def raw(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        """Send one call and return the answer as it is (no error raised)."""
        return await self._http.request(
            method,
            target(self.settings.endpoint, path),
            json=json,
            params=params_of(params),
            headers=headers_of(self.schemas_version, headers),
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> Any:
        return result(await self.raw(method, path, json=json, params=params, headers=headers))

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, json=body)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self.call("PUT", path, json=body)

    async def delete(self, path: str, **params: Any) -> Any:
        return await self.call("DELETE", path, params=params)

    async def iterate(self, path: str, *, page_size: int | None = None, **params: Any) -> AsyncIterator[Any]:
        """Every item of a list, following `X-Pagination-Cursor-Next` page after page."""
        headers = {"X-Pagination-Size": str(page_size)} if page_size else {}
        while True:
            response = await self.raw("GET", path, params=params, headers=headers)
            for item in result(response) or []:
                yield item
            cursor = next_cursor(response)
            if not cursor:
                return
            headers = {**headers, "X-Pagination-Cursor": cursor}

    async def wait(
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
                current = await self.get(url)
            except NotFoundError:
                if until == "DELETED":
                    return None
                raise
            error = current.get("resourceStatus") == "ERROR"
            tasks = (
                [await self._task(t) for t in current.get("currentTasks") or []]
                if on_progress or error
                else []
            )
            if on_progress:
                on_progress(current, tasks)
            if done(current, until):
                return current
            if error:
                raise failure(current, tasks)
            if time.monotonic() > deadline:
                raise WaitTimeout(f"{url} not {until} after {timeout:g}s", current)
            await asyncio.sleep(pause)
            pause = min(pause * 2, poll)

    async def _task(self, ref: dict) -> dict:
        """A current task in full, or its reference where the kind serves no task route."""
        try:
            return await self.get(ref["link"])
        except NotFoundError:
            return ref
