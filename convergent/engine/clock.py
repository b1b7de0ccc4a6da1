"""The clock that drives simulated work: real time, with step durations scaled.

`scale` multiplies every simulated step duration: 1.0 is realistic, 0.0 is instant (tests and
CI), 0.1 runs ten times faster.
"""

from __future__ import annotations

import time

__all__ = ["Clock"]


class Clock:
    def __init__(self, scale: float = 1.0):
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self.scale = scale

    def now(self) -> float:
        return time.time()

    def duration(self, seconds: float) -> float:
        return seconds * self.scale
