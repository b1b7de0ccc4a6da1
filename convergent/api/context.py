"""What a running server or worker holds: settings, store, clock, engines, sections. One per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..admin.clock import sync_clock
from ..admin.faults import Faults
from ..admin.token import ensure_admin_token
from ..auth.authenticate import Authenticator
from ..auth.logins import Logins
from ..auth.throttle import Throttle
from ..config import Config
from ..engine import Changes, Clock, Engine
from ..model.kind import Kind
from ..model.section import Section
from ..store import Store, open_store
from .authorize import Authorizer
from .pagination import Cursors
from .versions import Versions

__all__ = ["Context"]


@dataclass
class Context:
    config: Config
    sections: tuple[Section, ...]
    store: Store
    clock: Clock
    engines: list[Engine]  # `config.workers` of them run; the first exists always (tests settle it)
    changes: Changes
    authenticator: Authenticator
    authorizer: Authorizer
    versions: Versions
    faults: Faults
    logins: Logins
    kinds: dict[str, Kind] = field(default_factory=dict)
    cursors: Cursors | None = None  # set once the store is open

    @property
    def engine(self) -> Engine:
        return self.engines[0]

    @classmethod
    def build(cls, config: Config, sections: tuple[Section, ...]) -> Context:
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
        faults = Faults(store, set(), set(kinds))  # operations are known once routes are built
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
        return cls(
            config,
            sections,
            store,
            clock,
            engines,
            changes,
            Authenticator(store),
            Authorizer(store),
            Versions(store, clock),
            faults,
            Logins(store, Throttle(config.login_delay, config.login_lockout_at, config.login_lockout)),
            kinds,
        )

    async def start(self) -> None:
        await self.store.open()
        self.cursors = Cursors(await self.store.secret("cursor"))
        await sync_clock(self.store, self.clock, starting=True)
        if self.config.admin_token:
            await ensure_admin_token(self.store, self.config.admin_token)

    async def stop(self) -> None:
        await self.logins.close()
        await self.versions.flush()
        await self.store.close()
