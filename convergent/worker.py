"""`convergent worker`: task engines without the API, until SIGINT or SIGTERM.

It builds the same runtime as the server (sections, store, clock) and runs `workers` engines
on it, at least one. Any number of worker processes may share one PostgreSQL database: they
claim tasks with leases (see engine/runner.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal

from .config import Config
from .model.section import Section
from .runtime import Runtime

__all__ = ["run_worker"]

log = logging.getLogger("convergent.worker")


async def run_worker(config: Config, sections: tuple[Section, ...] | None = None) -> None:
    config = dataclasses.replace(config, workers=max(1, config.workers))
    runtime = Runtime.build(config, sections)
    async with runtime.running(config.workers):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.warning("worker %s running", ", ".join(engine.owner for engine in runtime.engines))
        await stop.wait()
