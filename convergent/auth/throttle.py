"""Failed attempts slowed down, then locked out, per key (an account, a client, an address).

The first `FREE` failures in a row cost nothing. From then on the next attempt waits: the
configured delay after the sixth failure, doubling with each further one up to 60 times it.
Attempts that arrive together queue behind each other (each takes the next free slot), so
parallel guessers gain nothing; one that would wait longer than the cap is refused at once.
After `lockout_at - 1` failures the key is locked out: every attempt is refused with 429 and
`Retry-After` for `lockout` seconds. A key quiet for `lockout` seconds is forgotten; a success
forgets the keys the caller names (its account, not its address). Counters live in the
process's memory, at most `MAX_KEYS` of them (the oldest go first).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import ApiError

__all__ = ["Throttle", "FREE", "MAX_KEYS"]

FREE = 5
MAX_KEYS = 100_000


@dataclass(slots=True)
class _Record:
    failures: int = 0
    last: float = 0.0  # the latest failure
    next_at: float = 0.0  # when the next attempt may be checked
    locked_until: float = 0.0


class Throttle:
    def __init__(
        self,
        delay: float = 0.5,
        lockout_at: int = 20,
        lockout: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.delay = delay
        self.cap = 60 * delay
        self.lockout_at = lockout_at
        self.lockout = lockout
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def _get(self, key: str, now: float) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now - record.last > self.lockout and now >= record.locked_until:
            del self._records[key]
            return None
        return record

    def _wait_after(self, failures: int) -> float:
        return 0.0 if failures < FREE else min(self.delay * 2 ** (failures - FREE), self.cap)

    async def admit(self, keys: Iterable[str]) -> None:
        """Wait as long as the keys' failures ask, or raise 429 while any of them is locked out."""
        now = self.clock()
        records = [r for r in (self._get(key, now) for key in keys) if r is not None]
        start = now
        for record in records:
            if record.locked_until > now:
                raise ApiError.too_many_attempts(
                    "Too many failed attempts: try again later", record.locked_until - now
                )
            if record.failures >= FREE:
                start = max(start, record.next_at)
        if start - now > self.cap:
            raise ApiError.too_many_attempts("Too many attempts at once: try again later", start - now)
        for record in records:
            if record.failures >= FREE:
                record.next_at = start + self._wait_after(record.failures)
        if start > now:
            await asyncio.sleep(start - now)

    def failed(self, keys: Iterable[str]) -> bool:
        """Count a failure against each key; True when it locks one of them out."""
        now = self.clock()
        locked = False
        for key in keys:
            record = self._get(key, now)
            if record is None:
                record = self._records[key] = _Record()
                if len(self._records) > MAX_KEYS:
                    self._records.popitem(last=False)
            else:
                self._records.move_to_end(key)
            record.failures += 1
            record.last = now
            record.next_at = max(record.next_at, now + self._wait_after(record.failures))
            if record.failures >= self.lockout_at - 1 and record.locked_until <= now:
                record.locked_until = now + self.lockout
                locked = True
        return locked

    def succeeded(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._records.pop(key, None)
