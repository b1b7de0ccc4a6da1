"""Setting the simulation clock from the admin surface. The settings are shared by every process
through the database (engine/clock.py: `publish`, `sync_clock`)."""

from __future__ import annotations

from ..engine.clock import Clock, publish
from ..errors import ApiError
from ..model.times import LATEST
from ..store import Store

__all__ = ["set_clock", "advance", "MODES"]

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
    await publish(store, clock)
    return clock.settings()


async def advance(store: Store, clock: Clock, seconds: float, settle=None) -> dict:
    """Manual time moves on by `seconds` as real time would: the clock walks through every due
    moment up to the target, in order, and `settle()` (the engine's pass) runs at each, so
    every step due within `seconds` completes, across steps and tasks, each at its own time.
    Without `settle` time only jumps to the target: the caller runs the engine as it sees fit."""
    if clock.frozen is None:
        raise ApiError.bad_request(
            "ClockNotManual",
            'Time advances by request only in manual mode (PUT /admin/clock {"mode": "manual"})',
        )
    if not 0 <= seconds <= LATEST - clock.frozen:
        raise ApiError.invalid_field("seconds", "a duration >= 0 that ends before year 10000")
    target = clock.frozen + seconds
    previous = None
    while settle is not None and (due := await store.next_due()) is not None and due <= target:
        if previous is not None and due <= previous:
            break  # nothing moved at that moment (another process holds the task): leave it to it
        previous = due
        clock.frozen = max(clock.frozen, due)
        await settle()
    clock.frozen = target
    await publish(store, clock)
    if settle is not None:
        await settle()
    return clock.settings()
