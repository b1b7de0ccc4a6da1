"""One database, one clock: the simulation clock's settings live in the database, and every
process on it follows them, picking up a change on its next sync (about every second).

The first process to start on a database holds its clock, renewing the hold every couple of
seconds, and publishes its own configuration (`--instant`, `--time-scale`). A process started
while another live process holds the clock follows that clock instead of its own options (it
says so; `Clock.following` names the holder); when the holder stops or dies, a follower takes
the hold over within `HOLD` seconds, keeping the settings as they are. Admin changes (manual
time, scale) are published the same way, whichever process receives them."""

from __future__ import annotations

import json
import os
import socket
import time

from ..engine.clock import Clock
from ..errors import ApiError
from ..store import Store

__all__ = ["set_clock", "advance", "sync_clock", "release_clock", "MODES", "HOLD"]

_KEY = "clock"
_HOLDER = "clock.holder"
HOLD = 6.0  # seconds a process's hold on the clock lasts unless renewed
_RENEW = 2.0
MODES = ("realistic", "scaled", "instant", "manual")


async def set_clock(store: Store, clock: Clock, mode: str, scale: float | None = None) -> dict:
    if mode not in MODES:
        raise ApiError.invalid_field("mode", f"one of {', '.join(MODES)}")
    if mode == "realistic":
        settings = {"scale": 1.0, "frozenAt": None}
    elif mode == "instant":
        settings = {"scale": 0.0, "frozenAt": None}
    elif mode == "scaled":
        if scale is None or scale <= 0:
            raise ApiError.invalid_field(
                "scale", "a positive multiplier of step durations (0.1 = ten times faster)"
            )
        settings = {"scale": float(scale), "frozenAt": None}
    else:
        settings = {"scale": clock.scale if scale is None else float(scale), "frozenAt": clock.now()}
    clock.apply(settings)
    await _publish(store, clock)
    return clock.settings()


async def _publish(store: Store, clock: Clock) -> None:
    raw = await store.get_meta(_KEY)
    rev = json.loads(raw)["rev"] + 1 if raw else 1
    clock.rev = rev
    await store.set_meta(_KEY, json.dumps({"scale": clock.scale, "frozenAt": clock.frozen, "rev": rev}))


async def advance(store: Store, clock: Clock, seconds: float, settle) -> dict:
    """Manual time moves on by `seconds` as real time would: the clock walks through every due
    moment up to the target, in order, and `settle()` (the engine's pass) runs at each, so
    every step due within `seconds` completes, across steps and tasks, each at its own time."""
    if clock.frozen is None:
        raise ApiError.bad_request(
            "ClockNotManual",
            'Time advances by request only in manual mode (PUT /admin/clock {"mode": "manual"})',
        )
    if seconds < 0:
        raise ApiError.invalid_field("seconds", "a duration >= 0")
    target = clock.frozen + seconds
    previous = None
    while (due := await store.next_due()) is not None and due <= target:
        if previous is not None and due <= previous:
            break  # nothing moved at that moment (another process holds the task): leave it to it
        previous = due
        clock.frozen = max(clock.frozen, due)
        await settle()
    clock.frozen = target
    await _publish(store, clock)
    await settle()
    return clock.settings()


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def _holder(store: Store) -> dict | None:
    raw = await store.get_meta(_HOLDER)
    holder = json.loads(raw) if raw else None
    return holder if holder and holder["until"] > time.time() else None


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
        await _publish(store, clock)
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
