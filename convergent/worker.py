"""`convergent worker`: task engines without the API, until SIGINT or SIGTERM.

It builds the same context as the API (sections, store, clock) and runs `workers` engines on
it, at least one. Any number of worker processes may share one PostgreSQL database: they
claim tasks with leases (see engine/runner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal

from .api.context import Context
from .config import Config
from .model.section import Section

__all__ = ["run_worker"]

log = logging.getLogger("convergent.worker")


async def run_worker(config: Config, sections: tuple[Section, ...] | None = None) -> None:
    from .sections import builtin_sections, load_sections

    config = dataclasses.replace(config, workers=max(1, config.workers))
    if sections is None:
        sections = builtin_sections() + load_sections(config.sections)
    ctx = Context.build(config, sections)
    await ctx.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runners = [asyncio.create_task(engine.run(), name=f"engine {engine.owner}") for engine in ctx.engines]
    log.warning("worker %s running", ", ".join(engine.owner for engine in ctx.engines))
    try:
        await stop.wait()
    finally:
        for runner in runners:
            runner.cancel()
        for runner in runners:
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        await ctx.stop()
