"""The clock that drives simulated work.

Real time by default, with step durations multiplied by `scale`: 1.0 is realistic, 0.0 is
instant (tests and CI), 0.1 runs ten times faster. A frozen clock (manual time) stands still
until it is advanced; steps then complete as time is advanced past their due times.

One database, one clock: the settings live in the database, and every process on it follows
them, picking up a change on its next sync (about every second). The first process to start
on a database holds its clock, renewing the hold every couple of seconds, and publishes its
own configuration (`--instant`, `--time-scale`). A process started while another live process
holds the clock follows that clock instead of its own options (`Clock.following` names the
holder; `convergent serve` says so); when the holder stops or dies, a follower takes the hold
over within `HOLD` seconds, keeping the settings as they are. Admin changes (manual time,
scale) are published the same way, whichever process receives them.
"""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import date, timedelta

from ..model.times import iso
from ..store import Store

__all__ = ["Clock", "publish", "sync_clock", "release_clock", "HOLD"]

_EPOCH = date(1970, 1, 1)
_KEY = "clock"  # the shared settings, in the store's meta
_HOLDER = "clock.holder"  # which process holds the clock, and until when
HOLD = 6.0  # seconds a process's hold on the clock lasts unless renewed
_RENEW = 2.0


class Clock:
    def __init__(self, scale: float = 1.0):
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self.scale = scale
        self.frozen: float | None = None
        self.rev = 0  # the revision of shared settings this clock follows (`publish`, `sync_clock`)
        self.following: str | None = None  # the process holding the database's clock, when not this one
        self.held: float | None = None  # time.monotonic() of the last look at the hold
        self._day: tuple[int, date] = (0, _EPOCH)  # the last day asked for: (days since 1970, its date)

    def now(self) -> float:
        return time.time() if self.frozen is None else self.frozen

    def today(self) -> date:
        """The day it is on this clock (UTC)."""
        days = int(self.now() // 86400)
        if days != self._day[0]:
            self._day = (days, _EPOCH + timedelta(days=days))
        return self._day[1]

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
        """What the admin surface shows: `frozenAt` in the wire's time format (or null)."""
        return {
            "mode": self.mode,
            "scale": self.scale,
            "frozenAt": None if self.frozen is None else iso(self.frozen),
        }

    def apply(self, settings: dict) -> None:
        self.scale = float(settings["scale"])
        self.frozen = settings.get("frozenAt")


async def publish(store: Store, clock: Clock) -> None:
    raw = await store.get_meta(_KEY)
    rev = json.loads(raw)["rev"] + 1 if raw else 1
    clock.rev = rev
    await store.set_meta(_KEY, json.dumps({"scale": clock.scale, "frozenAt": clock.frozen, "rev": rev}))


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def _holder(store: Store) -> dict | None:
    """The live process holding the clock, if any (a process of this host that is gone, killed
    before its hold expired, holds nothing)."""
    raw = await store.get_meta(_HOLDER)
    holder = json.loads(raw) if raw else None
    if not holder or holder["until"] <= time.time():
        return None
    host, _, pid = holder["process"].rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _running(int(pid)):
        return None
    return holder


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _hold(store: Store, clock: Clock) -> None:
    clock.held = time.monotonic()
    await store.set_meta(_HOLDER, json.dumps({"process": _me(), "until": time.time() + HOLD}))


async def sync_clock(store: Store, clock: Clock, starting: bool = False) -> None:
    """At start: follow the clock a live process holds, else hold it and publish this process's
    settings. Then: follow what was published since, and keep (or take over) the hold."""
    raw = await store.get_meta(_KEY)
    settings = json.loads(raw) if raw else None
    if starting:
        holder = await _holder(store)
        if holder is not None and holder["process"] != _me() and settings is not None:
            clock.apply(settings)
            clock.rev = settings["rev"]
            clock.following = holder["process"]
            return
        await _hold(store, clock)
        await publish(store, clock)
        return
    if settings is not None and settings["rev"] > clock.rev:
        clock.apply(settings)
        clock.rev = settings["rev"]
    if clock.held is None or time.monotonic() - clock.held >= _RENEW:
        holder = await _holder(store)
        if holder is None or holder["process"] == _me():
            clock.following = None
            await _hold(store, clock)
        else:
            clock.held = time.monotonic()  # look again in a while


async def release_clock(store: Store, clock: Clock) -> None:
    """At a clean stop: let the next process hold the clock at once."""
    holder = await _holder(store)
    if holder is not None and holder["process"] == _me():
        await store.set_meta(_HOLDER, json.dumps({"process": _me(), "until": 0}))
