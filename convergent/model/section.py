"""A section: an API area with its as-code kinds and its other operations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from ..errors import ApiError
from .kind import Kind
from .operation import Operation
from .versions import Major, MajorStatus, Version

_FIRST = date(2024, 1, 1)

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """`kinds` get the standard as-code operations; `operations` are the section's own routes
    (references, capabilities, actions on a resource). `branch` is `v2` (served under `/v2`) or
    `v1` (served under `/`, `/1.0` and `/v1` alike).

    `versions` is the changelog, oldest first; `majors` the majors served, each with its codecs;
    `default_major` is the major an account created today starts on (`X-Schemas-Version` and the
    account's own default choose otherwise). `provisioners` deliver, by product name, what the
    real cloud sells through orders: each is `async def provision(order) -> None` and calls
    `order.deliver(kind, spec, state, parent)` (convergent.engine.orders)."""

    name: str
    description: str
    branch: str = "v2"
    kinds: tuple[Kind, ...] = ()
    operations: tuple[Operation, ...] = field(default_factory=tuple)
    versions: tuple[Version, ...] = (Version("1.0", _FIRST, "First version"),)
    majors: tuple[Major, ...] = (Major(1, _FIRST),)
    default_major: int = 1
    provisioners: Mapping[str, Callable[[Any], Awaitable[None]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        numbers = [m.number for m in self.majors]
        if numbers != sorted(set(numbers)):
            raise ValueError(f"section {self.name}: majors must be distinct and in order")
        for version in self.versions:
            if version.major not in numbers:
                raise ValueError(
                    f"section {self.name}: version {version.version} has no major {version.major}"
                )
        if self.default_major not in numbers:
            raise ValueError(f"section {self.name}: default major {self.default_major} is not served")
        kinds = {k.name for k in self.kinds}
        for major in self.majors:
            unknown = set(major.codecs) - kinds
            if unknown:
                raise ValueError(
                    f"section {self.name}: major {major.number} has codecs for unknown kinds {sorted(unknown)}"
                )

    def major(self, number: int) -> Major | None:
        return next((m for m in self.majors if m.number == number), None)

    def latest_version(self, major: int) -> str:
        return self._latest[major]

    @cached_property
    def _latest(self) -> dict[int, str]:
        out: dict[int, Version] = {}
        for v in self.versions:
            if v.major not in out or v.minor > out[v.major].minor:
                out[v.major] = v
        return {number: v.version for number, v in out.items()}

    def status(self, major: Major, today: date) -> MajorStatus:
        newest = max((m.number for m in self.majors if m.released <= today), default=major.number)
        return major.status(today, newest)

    def offered(self, today: date) -> list[dict]:
        """The majors with their status today."""
        released = {v.version: v.released for v in self.versions}
        out = []
        for major in self.majors:
            version = self.latest_version(major.number)
            out.append(
                {
                    "major": major.number,
                    "version": version,
                    "status": str(self.status(major, today)),
                    # the version's release, as in the changelog; the major's first is majorReleased
                    "released": released.get(version, major.released).isoformat(),
                    "majorReleased": major.released.isoformat(),
                    "deprecated": major.deprecated.isoformat() if major.deprecated else None,
                    "sunset": major.sunset.isoformat() if major.sunset else None,
                }
            )
        return out

    def serving(self, pinned: int | None, default: int, today: date) -> Major:
        """The major serving a call: `pinned` (the major the caller asked for; None or 0 for
        none), else the account's `default` as it stands today (`default_for`). A major that
        is unknown, not released yet or past its end of availability is refused with a 400
        naming the versions on offer."""
        number = pinned or self.default_for(default, today)
        return self._usable(number, today) or self.served(number, today)

    def default_for(self, chosen: int, today: date) -> int:
        """An account's default major `chosen`, moved on to the next major served once it is past
        its end of availability (unchanged when there is none: calls then get the refusal).
        Memoised by day: called twice on every `/v2` call."""
        memo = self._defaults_on
        key = (chosen, today)
        found = memo.get(key)
        if found is None:
            if len(memo) > 64:
                memo.clear()
            found = memo[key] = self._default_for(chosen, today)
        return found

    @cached_property
    def _defaults_on(self) -> dict[tuple[int, date], int]:
        return {}

    def _default_for(self, chosen: int, today: date) -> int:
        major = self.major(chosen)
        if major is not None and self.status(major, today) != MajorStatus.RETIRED:
            return chosen
        successor = self.successor(major, today) if major else self.major(self.default_major)
        return chosen if successor is None else successor.number

    def _usable(self, number: int, today: date) -> Major | None:
        """The major `number` if it is served today (memoised: called on every `/v2` call)."""
        memo = self._served_on
        key = (number, today)
        if key not in memo:
            if len(memo) > 64:
                memo.clear()
            major = self.major(number)
            usable = major is not None and self.status(major, today) not in (
                MajorStatus.RETIRED,
                MajorStatus.ANNOUNCED,
            )
            memo[key] = major if usable else None
        return memo[key]

    @cached_property
    def _served_on(self) -> dict[tuple[int, date], Major | None]:
        return {}

    def served(self, number: int, today: date) -> Major:
        """The major `number` if it is served today; 400 naming what is on offer otherwise."""
        major = self.major(number)
        if major is None or self.status(major, today) == MajorStatus.ANNOUNCED:
            raise self.refusal(
                "UnknownSchemasVersion", f"Section {self.name} has no schemas version {number}.x", today
            )
        if self.status(major, today) == MajorStatus.RETIRED:
            successor = self.successor(major, today)
            instead = f"; use {self.latest_version(successor.number)}" if successor else ""
            raise self.refusal(
                "RetiredSchemasVersion",
                f"Schemas version {number}.x of {self.name} reached its end of availability on {major.sunset}{instead}",
                today,
            )
        return major

    def refusal(self, specific: str, message: str, today: date) -> ApiError:
        """A 400 `Client::BadRequest::<specific>` listing the versions served today."""
        available = ",".join(
            v["version"] for v in self.offered(today) if v["status"] not in ("retired", "announced")
        )
        return ApiError(
            400,
            f"Client::BadRequest::{specific}",
            f"{message} (available: {available})",
            {"available": available},
        )

    def successor(self, major: Major, today: date) -> Major | None:
        """The next major that is served today, if any."""
        later = [
            m
            for m in self.majors
            if m.number > major.number
            and self.status(m, today) not in (MajorStatus.RETIRED, MajorStatus.ANNOUNCED)
        ]
        return later[0] if later else None

    def actions(self) -> dict[str, str]:
        """Every IAM action the section's routes check, with the resource type it applies to."""
        names = [n for kind in self.kinds for ns in kind.actions.values() for n in ns]
        names += [n for op in self.operations for n in op.actions]
        return {name: name.split(":", 1)[0] for name in names}
