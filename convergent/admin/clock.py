"""Setting the simulation clock from the admin surface, shared by every process through the
database: each process picks up a change on its next sync (about every second). A process
starts on its own configuration (`--instant`, `--time-scale`) and follows the changes made
after it started."""

from __future__ import annotations

import json

from ..engine.clock import Clock
from ..errors import ApiError
from ..store import Store

__all__ = ["set_clock", "advance", "sync_clock", "MODES"]

_KEY = "clock"
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


async def advance(store: Store, clock: Clock, seconds: float) -> dict:
    if clock.frozen is None:
        raise ApiError.bad_request(
            "ClockNotManual",
            'Time advances by request only in manual mode (PUT /admin/clock {"mode": "manual"})',
        )
    if seconds < 0:
        raise ApiError.invalid_field("seconds", "a duration >= 0")
    clock.apply({"scale": clock.scale, "frozenAt": clock.frozen + seconds})
    await _publish(store, clock)
    return clock.settings()


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
