"""The server: the runtime (convergent/runtime.py), its HTTP app and the admin surface put
together, with start-up and shutdown in the app's lifespan."""

from __future__ import annotations

import contextlib
import gc

from starlette.applications import Starlette

from .admin.routes import add_admin
from .admin.token import ensure_admin_token
from .api import build_app
from .config import Config
from .model.section import Section
from .runtime import Runtime

__all__ = ["create_app"]


def create_app(config: Config | None = None, sections: tuple[Section, ...] | None = None) -> Starlette:
    """An app serving `sections` (by default `runtime.section_list(config)`) with `config`. Its
    lifespan opens the store and runs `config.workers` engines."""
    config = config or Config.from_env()
    ctx = Runtime.build(config, sections)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with ctx.running(config.workers):
            if config.admin_token:
                await ensure_admin_token(ctx.store, config.admin_token)
            gc.freeze()  # what start-up built lives as long as the process: keep it out of every collection
            yield

    return build_app(ctx, lifespan, surfaces=(add_admin,))
