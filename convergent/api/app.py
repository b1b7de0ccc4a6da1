"""The ASGI application: branches, error answers, lifespan. The middleware stack is built here."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request

from ..config import Config
from ..console import console_routes
from ..errors import ApiError
from ..model.section import Section
from .context import Context
from .discovery import add_discovery
from .queryid import QueryId
from .responses import error_response
from .routing import dispatcher, route_table
from .table import Table

__all__ = ["create_app"]

log = logging.getLogger("convergent.api")


async def _api_error(request: Request, error: ApiError):
    return error_response(error)


async def _http_error(request: Request, error: HTTPException):
    if error.status_code == 404:
        return error_response(ApiError.route_not_found(request.method, request.url.path))
    if error.status_code == 405:
        headers = dict(error.headers or {})
        return error_response(ApiError.method_not_allowed(request.method, request.url.path), headers)
    return error_response(ApiError(error.status_code, "Client::BadRequest", str(error.detail)))


async def _unexpected(request: Request, error: Exception):
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(ApiError.internal())


async def _flush_usage(ctx: Context, every: float = 5.0) -> None:
    """Write the usage counters every few seconds (and once more at stop)."""
    while True:
        await asyncio.sleep(every)
        try:
            await ctx.versions.flush()
        except Exception:
            log.exception("could not write usage counters; retrying")


def create_app(config: Config | None = None, sections: tuple[Section, ...] | None = None) -> Starlette:
    """An app serving `sections` (the built-in ones by default) with `config`."""
    from ..sections import builtin_sections

    config = config or Config.from_env()
    sections = builtin_sections() if sections is None else sections
    ctx = Context.build(config, sections)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await ctx.start()
        tasks = [asyncio.create_task(_flush_usage(ctx), name="convergent-usage")]
        if config.engine:
            tasks.append(asyncio.create_task(ctx.engine.run(), name="convergent-engine"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await ctx.stop()

    table = Table()
    add_discovery(table, sections, ctx.versions)
    route_table(sections, ctx, table)
    app = Starlette(
        routes=[*console_routes(), dispatcher(table)],
        middleware=[Middleware(QueryId)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected},
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.table = table
    return app
