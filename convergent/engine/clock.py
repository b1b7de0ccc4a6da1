"""The clock that drives simulated work.

Real time by default, with step durations multiplied by `scale`: 1.0 is realistic, 0.0 is
instant (tests and CI), 0.1 runs ten times faster. A frozen clock (manual time) stands still
until it is advanced; steps then complete as time is advanced past their due times.
"""

from __future__ import annotations

import time

from ..model.times import iso

__all__ = ["Clock"]


class Clock:
    def __init__(self, scale: float = 1.0):
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self.scale = scale
        self.frozen: float | None = None
        self.rev = 0  # the revision of shared settings this clock follows (admin/clock.py)
        self.following: str | None = None  # the process holding the database's clock, when not this one
        self.held: float | None = None  # time.monotonic() of the last look at the hold

    def now(self) -> float:
        return time.time() if self.frozen is None else self.frozen

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
