"""The API console: plain ES modules and CSS shipped in the package, served at `/console`
without authentication. It fetches nothing from elsewhere (its Content-Security-Policy says
so); calls it makes are signed in the browser with credentials the user types."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

__all__ = ["console_routes", "STATIC"]

STATIC = Path(__file__).parent / "static"

_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
     b"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]  # fmt: skip


class _Hardened:
    """Adds the console's security and caching headers to every answer of the static files."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _to_index(request):
    return RedirectResponse("/console/", status_code=308)


def console_routes() -> list[BaseRoute]:
    """`/console/` serves index.html and the assets beside it; `/console` redirects there."""
    return [
        Route("/console", _to_index, methods=["GET", "HEAD"]),
        Mount("/console", _Hardened(StaticFiles(directory=STATIC, html=True)), name="console"),
    ]
