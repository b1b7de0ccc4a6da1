"""The one middleware: every answer carries `X-OVH-QueryID`, and every error leaves as JSON.

It replaces Starlette's error and exception middlewares (one layer instead of three on every
call): an `ApiError` becomes its JSON answer, an unreachable database a 503 with Retry-After,
anything else a logged 500 in the same shape.
"""

from __future__ import annotations

import itertools
import logging
import os

from ..errors import ApiError
from ..store import StoreUnavailable
from .responses import error_response

__all__ = ["Guard"]

log = logging.getLogger("convergent.api")


class Guard:
    def __init__(self, app):
        self.app = app
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
            await self.app(scope, receive, send_with_id)
        except ApiError as error:
            if started:
                raise
            await error_response(error)(scope, receive, send_with_id)
        except StoreUnavailable as error:
            scope["convergent.store_error"] = True  # counted by api/observe.py
            log.warning("%s %s: %s", scope.get("method"), scope.get("path"), error)
            if started:
                raise
            unavailable = ApiError.unavailable(f"Service temporarily unavailable: {error}; retry shortly")
            await error_response(unavailable, {"Retry-After": "1"})(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(ApiError.internal())(scope, receive, send_with_id)
