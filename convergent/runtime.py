"""What a running server or worker holds, put together in one place: the sections, the store,
the clock, the task engines, the write path, the caches and the injected faults; with start-up
and shutdown. One per process. The HTTP app (convergent/server.py) and `convergent worker` are
both built on it.

The sections are listed once, by `section_list`: the built-in ones, those named with
`--section` (or `CONVERGENT_SECTIONS`), and those installed packages declare under the
`convergent.sections` entry point.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .auth import accounts
from .auth.authenticate import Authenticator
from .auth.authorize import Authorizer
from .auth.defaults import Defaults
from .auth.logins import Logins
from .auth.throttle import Throttle
from .config import Config
from .engine import Changes, Clock, Engine
from .engine.clock import release_clock, sync_clock
from .engine.faults import Faults
from .engine.objects import Objects
from .engine.orders import Order
from .engine.usage import Usage
from .model.cursors import Cursors
from .model.envelope import urn
from .model.kind import Kind
from .model.section import Section
from .model.versions import Major
from .sections import builtin_sections, installed_sections, load_sections
from .store import Store, open_store

__all__ = ["Runtime", "section_list", "run_order"]

log = logging.getLogger("convergent.runtime")

COLLECT_EVERY = 60  # seconds between collections of expired tokens and never-validated keys


def section_list(config: Config) -> tuple[Section, ...]:
    """Every section this process serves: built-in, named by `config.sections`, installed."""
    found = builtin_sections() + load_sections(config.sections) + installed_sections()
    unique = {id(section): section for section in found}  # one both named and installed is served once
    return tuple(unique.values())


@dataclass
class Runtime:
    config: Config
    sections: tuple[Section, ...]
    store: Store
    clock: Clock
    engines: list[Engine]  # `config.workers` of them run; the first exists always (tests settle it)
    changes: Changes
    objects: Objects
    authenticator: Authenticator
    authorizer: Authorizer
    defaults: Defaults
    usage: Usage
    faults: Faults
    logins: Logins
    kinds: dict[str, Kind] = field(default_factory=dict)
    cursors: Cursors | None = None  # set once the store is open
    metrics: Any = None  # the HTTP app's request counters, when it serves one (api/observe.py)
    # Deprecations announced through the admin surface, by (section, major): the answers that
    # major serves carry the headers of these dates (the section's own lifecycle is unchanged).
    announced: dict[tuple[str, int], Major] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.engines[0]

    @classmethod
    def build(cls, config: Config, sections: tuple[Section, ...] | None = None) -> Runtime:
        """A runtime serving `sections` (by default `section_list(config)`), not started yet."""
        sections = section_list(config) if sections is None else sections
        kinds: dict[str, Kind] = {}
        for section in sections:
            for kind in section.kinds:
                if kind.key in kinds:
                    raise ValueError(f"kind {kind.key} declared twice")
                kinds[kind.key] = kind
        store = open_store(config.database, pool_size=config.pool_size)
        if config.workers > 1 and not store.leases:
            raise ValueError(
                f"{config.workers} workers need PostgreSQL: on SQLite one process runs one engine (--workers 0 or 1)"
            )
        clock = Clock(config.effective_time_scale)
        faults = Faults(store, clock, set(), set(kinds))  # operations are known once routes are built
        # Each engine keeps up to half the process's connections busy with transitions in flight.
        parallel = max(1, config.pool_size // 2) if store.leases else 1
        engines = [
            Engine(
                store,
                kinds,
                clock,
                poll=config.poll,
                lease=config.lease,
                parallel=parallel,
                faults=faults,
                before_pass=lambda: sync_clock(store, clock),
            )
            for _ in range(max(1, config.workers))
        ]

        def wake() -> None:
            for engine in engines:
                engine.wake()

        changes = Changes(store, clock, wake, config.seed)
        objects = Objects(store, clock.now, changes.new_uuid)
        throttle = Throttle(config.login_delay, config.login_lockout_at, config.login_lockout)
        return cls(
            config,
            sections,
            store,
            clock,
            engines,
            changes,
            objects,
            Authenticator(store, clock),
            Authorizer(store, clock),
            Defaults(store, clock, sections),
            Usage(store, clock),
            faults,
            Logins(store, objects, throttle),
            kinds,
        )

    async def start(self) -> None:
        await self.store.open()
        self.cursors = Cursors(await self.store.secret("cursor"))
        await sync_clock(self.store, self.clock, starting=True)

    async def stop(self) -> None:
        await self.logins.close()
        await self.usage.flush()
        with contextlib.suppress(Exception):  # an unreachable database: the hold expires by itself
            await release_clock(self.store, self.clock)
        await self.store.close()

    @contextlib.asynccontextmanager
    async def running(self, engines: int) -> AsyncIterator[Runtime]:
        """Started, with the housekeeping and `engines` task engines running in the background;
        stopped on the way out."""
        await self.start()
        tasks = [asyncio.create_task(self._housekeeping(), name="convergent-housekeeping")]
        tasks += [
            asyncio.create_task(engine.run(), name=f"convergent-engine {engine.owner}")
            for engine in self.engines[:engines]
        ]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.stop()

    async def _housekeeping(self, every: float = 1.0) -> None:
        """Every second: follow clock changes made by other processes and move the accounts
        noted on a retired schemas major; every five, write the usage counters (and once more
        at stop); every minute, collect expired tokens and never-validated consumer keys."""
        ticks = 0
        while True:
            await asyncio.sleep(every)
            ticks += 1
            try:
                await sync_clock(self.store, self.clock)
                await self.defaults.move_retired()
                if ticks % 5 == 0:
                    await self.usage.flush()
                if ticks % COLLECT_EVERY == 0:
                    await accounts.collect_expired(self.store, self.clock.now())
            except Exception:
                log.exception("housekeeping failed; retrying")

    # orders

    def products(self) -> dict:
        """What the sections sell through orders, by product name."""
        return {name: fn for section in self.sections for name, fn in section.provisioners.items()}

    async def provision(self, product: str, account: str, **options) -> list[dict]:
        """Deliver `product` to `account` (created when missing); describe what was delivered.
        `options` go to the provisioner (a region, as an order's configuration names it)."""
        provisioner = self.products().get(product)
        if provisioner is None:
            known = ", ".join(sorted(self.products())) or "none"
            raise LookupError(f"unknown product {product!r}; known: {known}")
        await accounts.ensure_account(self.store, account, self.clock.now(), login=False)
        order = Order(self.changes, account)
        await provisioner(order, **options)
        out = []
        for r in order.delivered:
            kind = self.kinds[r.kind]
            out.append(
                {
                    "kind": r.kind,
                    "id": r.id,
                    "path": r.path,
                    "urn": urn(kind.iam_type, r.id) if kind.iam_type else None,
                }
            )
        return out


async def run_order(config: Config, product: str, account: str) -> list[dict]:
    """`convergent provision`: open the store, deliver, close."""
    runtime = Runtime.build(config)
    await runtime.start()
    try:
        return await runtime.provision(product, account)
    finally:
        await runtime.stop()
