"""Every answer carries `X-OVH-QueryID`, as OVHcloud's do: clients print it in errors."""

from __future__ import annotations

import itertools
import os

__all__ = ["QueryId"]


class QueryId:
    def __init__(self, app):
        self.app = app
        self.prefix = f"CV.{os.urandom(4).hex()}."
        self.counter = itertools.count(1)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (b"x-ovh-queryid", f"{self.prefix}{next(self.counter)}".encode())

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, send_with_id)
