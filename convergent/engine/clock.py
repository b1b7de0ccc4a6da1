"""The clock that drives simulated work.

Real time by default, with step durations multiplied by `scale`: 1.0 is realistic, 0.0 is
instant (tests and CI), 0.1 runs ten times faster. A frozen clock (manual time) stands still
until it is advanced; steps then complete as time is advanced past their due times.

The settings are shared by every process through the database: each process picks up a change
on its next sync (about every second). A process starts on its own configuration
(`--instant`, `--time-scale`) and follows the changes made after it started.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from ..store import Store

__all__ = ["Clock", "publish", "sync_clock"]

_EPOCH = date(1970, 1, 1)
_KEY = "clock"  # the shared settings, in the store's meta


class Clock:
    def __init__(self, scale: float = 1.0):
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self.scale = scale
        self.frozen: float | None = None
        self.rev = 0  # the revision of shared settings this clock follows (`publish`, `sync_clock`)

    def now(self) -> float:
        return time.time() if self.frozen is None else self.frozen

    def today(self) -> date:
        """The day it is on this clock (UTC)."""
        return _EPOCH + timedelta(days=int(self.now() // 86400))

    def duration(self, seconds: float) -> float:
        return seconds * self.scale

    @property
    def mode(self) -> str:
        if self.frozen is not None:
            return "manual"
        if self.scale == 0:
            return "instant"
        return "realistic" if self.scale == 1 else "scaled"

    def settings(self) -> dict:
        return {"mode": self.mode, "scale": self.scale, "frozenAt": self.frozen}

    def apply(self, settings: dict) -> None:
        self.scale = float(settings["scale"])
        self.frozen = settings.get("frozenAt")


async def publish(store: Store, clock: Clock) -> None:
    raw = await store.get_meta(_KEY)
    rev = json.loads(raw)["rev"] + 1 if raw else 1
    clock.rev = rev
    await store.set_meta(_KEY, json.dumps({"scale": clock.scale, "frozenAt": clock.frozen, "rev": rev}))


async def sync_clock(store: Store, clock: Clock, starting: bool = False) -> None:
    """Follow the settings another process published since this one started. At start, only
    note where the published settings are."""
    raw = await store.get_meta(_KEY)
    if raw is None:
        return
    settings = json.loads(raw)
    if starting:
        clock.rev = settings["rev"]
    elif settings["rev"] > clock.rev:
        clock.apply(settings)
        clock.rev = settings["rev"]
