"""The ASGI application: the route table, the console, error answers. The middleware stack is
built here; what the app serves, and its start-up, come from convergent/server.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette

from ..console import console_app, is_console
from ..runtime import Runtime
from .discovery import add_discovery
from .guard import Guard
from .observe import Metrics, Observe
from .routing import Dispatcher, route_table
from .table import Table
from .versions import AnswerHeaders

__all__ = ["build_app"]


class _App(Starlette):
    """Starlette with one middleware (Guard, inside Observe) in place of its default stack, and HTTP requests
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

        ctx = self.state.ctx
        return Observe(Guard(app, self.max_body), ctx.metrics, log=ctx.config.log_format == "json")


def build_app(ctx: Runtime, lifespan, surfaces: Sequence[Callable[[Table, Runtime], None]] = ()) -> Starlette:
    """The HTTP app serving `ctx`'s sections (and their discovery documents), plus what each of
    `surfaces` adds to the route table; `lifespan` starts and stops what it serves."""
    ctx.metrics = Metrics()
    table = Table()
    answer_headers = AnswerHeaders(ctx.clock, ctx.announced)
    add_discovery(table, ctx.sections, answer_headers)
    route_table(ctx.sections, ctx, table, answer_headers)
    for add in surfaces:
        add(table, ctx)
    app = _App(Dispatcher(table), lifespan, ctx.config.max_body)
    app.state.ctx = ctx  # before the middleware stack is built (on the first call)
    app.state.table = table
    return app
