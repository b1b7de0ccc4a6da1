"""The API console: plain ES modules and CSS shipped in the package, served at `/console`
without authentication. It fetches nothing from elsewhere (its Content-Security-Policy says
so); calls it makes are signed in the browser with credentials the user types."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ApiError

__all__ = ["console_app", "is_console", "STATIC"]

STATIC = Path(__file__).parent / "static"

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        b"base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


def is_console(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


class _Hardened:
    """The static files with the console's security and caching headers; a missing file or a
    method other than GET/HEAD answers the API's JSON errors."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except HTTPException as error:
            if error.status_code == 405:
                raise ApiError.method_not_allowed(scope["method"], scope["path"]) from None
            raise ApiError.route_not_found(scope["method"], scope["path"]) from None


async def _to_index(request):
    return RedirectResponse("/console/", status_code=308)


def console_app() -> ASGIApp:
    """For paths where `is_console`: `/console/` serves index.html and the assets beside it;
    `/console` redirects there."""
    return Router(
        routes=[
            Route("/console", _to_index, methods=["GET", "HEAD"]),
            Mount("/console", _Hardened(StaticFiles(directory=STATIC, html=True))),
        ]
    )
