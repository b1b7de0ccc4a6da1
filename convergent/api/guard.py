"""The one middleware: every answer carries `X-OVH-QueryID`, and every error leaves as JSON.

It replaces Starlette's error and exception middlewares (one layer instead of three on every
call): an `ApiError` becomes its JSON answer, an unreachable or unwritable database a 503 with
Retry-After (507 when its disk is full), anything else a logged 500 in the same shape. It also
bounds every request body (bodies.py) before the app reads a byte of it.
"""

from __future__ import annotations

import itertools
import logging
import os

from ..auth.authenticate import header_map
from ..errors import ApiError
from ..store import StoreFull, StoreUnavailable
from .bodies import DEFAULT_MAX_BODY, bounded_receive
from .responses import error_response

__all__ = ["Guard"]

log = logging.getLogger("convergent.api")


class Guard:
    """`max_body`: the bytes a request body may have, enforced while it is read (bodies.py)."""

    def __init__(self, app, max_body: int = DEFAULT_MAX_BODY):
        self.app = app
        self.max_body = max_body
        self.prefix = f"CV.{os.urandom(4).hex()}."
        self.counter = itertools.count(1)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (b"x-ovh-queryid", f"{self.prefix}{next(self.counter)}".encode())
        started = False

        async def send_with_id(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            bounded = bounded_receive(scope, header_map(scope), receive, self.max_body)
            await self.app(scope, bounded, send_with_id)
        except ApiError as error:
            if started:
                raise
            await error_response(error)(scope, receive, send_with_id)
        except StoreUnavailable as error:
            scope["convergent.store_error"] = True  # counted by api/observe.py
            log.warning("%s %s: %s", scope.get("method"), scope.get("path"), error)
            if started:
                raise
            message = f"Service temporarily unavailable: {error}; retry shortly"
            answer = (
                ApiError.insufficient_storage(message)
                if isinstance(error, StoreFull)
                else ApiError.unavailable(message)
            )
            await error_response(answer)(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(ApiError.internal())(scope, receive, send_with_id)
