"""What a running server holds: settings, store, clock, engine, sections. One per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..engine import Changes, Clock, Engine
from ..model.kind import Kind
from ..model.section import Section
from ..store import Store, open_store
from ..admin.clock import sync_clock
from ..admin.faults import Faults
from ..admin.token import ensure_admin_token
from ..auth.authenticate import Authenticator
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
    engine: Engine
    changes: Changes
    authenticator: Authenticator
    authorizer: Authorizer
    versions: Versions
    faults: Faults
    kinds: dict[str, Kind] = field(default_factory=dict)
    cursors: Cursors | None = None  # set once the store is open

    @classmethod
    def build(cls, config: Config, sections: tuple[Section, ...]) -> Context:
        kinds: dict[str, Kind] = {}
        for section in sections:
            for kind in section.kinds:
                if kind.key in kinds:
                    raise ValueError(f"kind {kind.key} declared twice")
                kinds[kind.key] = kind
        store = open_store(config.database)
        clock = Clock(config.effective_time_scale)
        faults = Faults(store, set(), set(kinds))  # operations are known once routes are built
        engine = Engine(store, kinds, clock, faults=faults, before_pass=lambda: sync_clock(store, clock))
        changes = Changes(store, clock, engine.wake, config.seed)
        return cls(
            config, sections, store, clock, engine, changes, Authenticator(store), Authorizer(store),
            Versions(store, clock), faults, kinds,
        )  # fmt: skip

    async def start(self) -> None:
        await self.store.open()
        self.cursors = Cursors(await self.store.secret("cursor"))
        await sync_clock(self.store, self.clock, starting=True)
        if self.config.admin_token:
            await ensure_admin_token(self.store, self.config.admin_token)

    async def stop(self) -> None:
        await self.versions.flush()
        await self.store.close()
