"""The ASGI application: branches, error answers, lifespan. The middleware stack is built here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging

from starlette.applications import Starlette

from ..admin.clock import sync_clock
from ..admin.routes import add_admin
from ..config import Config
from ..console import console_app, is_console
from ..model.section import Section
from .context import Context
from .discovery import add_discovery
from .guard import Guard
from .routing import Dispatcher, route_table
from .table import Table

__all__ = ["create_app"]

log = logging.getLogger("convergent.api")


class _App(Starlette):
    """Starlette with one middleware (Guard) in place of its default stack, and HTTP requests
    handed straight to the dispatcher, or to the console's static files under /console (the
    router keeps the lifespan)."""

    def __init__(self, dispatcher: Dispatcher, lifespan, max_body: int):
        super().__init__(routes=[dispatcher], lifespan=lifespan)
        self.dispatcher = dispatcher
        self.max_body = max_body

    def build_middleware_stack(self):
        router, dispatch, console = self.router, self.dispatcher.handle, console_app()

        async def app(scope, receive, send):
            if scope["type"] != "http":
                await router(scope, receive, send)
            elif is_console(scope["path"]):
                await console(scope, receive, send)
            else:
                await dispatch(scope, receive, send)

        return Guard(app, self.max_body)


async def _housekeeping(ctx: Context, every: float = 1.0) -> None:
    """Every second: follow clock changes made by other processes; every five, write the usage
    counters (and once more at stop)."""
    ticks = 0
    while True:
        await asyncio.sleep(every)
        ticks += 1
        try:
            await sync_clock(ctx.store, ctx.clock)
            if ticks % 5 == 0:
                await ctx.versions.flush()
        except Exception:
            log.exception("housekeeping failed; retrying")


def create_app(config: Config | None = None, sections: tuple[Section, ...] | None = None) -> Starlette:
    """An app serving `sections` (by default the built-in ones and those `config.sections`
    names) with `config`. Its lifespan opens the store and runs `config.workers` engines."""
    from ..sections import builtin_sections, load_sections

    config = config or Config.from_env()
    sections = builtin_sections() + load_sections(config.sections) if sections is None else sections
    ctx = Context.build(config, sections)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await ctx.start()
        gc.freeze()  # what start-up built lives as long as the process: keep it out of every collection
        tasks = [asyncio.create_task(_housekeeping(ctx), name="convergent-housekeeping")]
        tasks += [
            asyncio.create_task(engine.run(), name=f"convergent-engine {engine.owner}")
            for engine in ctx.engines[: config.workers]
        ]
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
    add_admin(table, ctx)
    app = _App(Dispatcher(table), lifespan, config.max_body)
    app.state.ctx = ctx
    app.state.table = table
    return app
