"""Schema versions of a section: `major.minor` versions with a changelog, and for each major how
its kinds look on the wire.

Each kind is stored in one form, the hub. A major is served by a `Codec` per kind: it decodes a
request's target spec in that major and converts it to the hub, and converts stored target
specs and current states back. Minors are compatible additions inside a major: a caller pins a
major, and is answered in its latest minor. A major is released, may later be deprecated
(answers then carry Deprecation, Sunset and Link headers) and reaches its end of availability,
after which calls pinned to it are refused and accounts on it are moved to the next major.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from .numbers import decimal

__all__ = ["Change", "Version", "Major", "Codec", "IDENTITY", "MajorStatus", "parse_version", "epoch_of"]


class MajorStatus(StrEnum):
    CURRENT = "current"  # the newest released major
    SUPPORTED = "supported"  # an older major, not deprecated
    DEPRECATED = "deprecated"  # still served, with Deprecation and Sunset headers
    RETIRED = "retired"  # past its end of availability: refused
    ANNOUNCED = "announced"  # not released yet


@dataclass(frozen=True)
class Change:
    """One change of a version: which route and field, and whether it breaks callers."""

    route: str  # "PUT /publicCloud/project/{projectId}/rancher/{rancherId}"
    field: str  # "targetSpec.ipRestrictions"
    description: str
    breaking: bool = False
    sent_only: bool = False  # it concerns only callers that send this field (a request field)


@dataclass(frozen=True)
class Version:
    """A `major.minor` version and its changelog entry."""

    version: str
    released: date
    summary: str
    changes: tuple[Change, ...] = ()

    @property
    def major(self) -> int:
        return parse_version(self.version)[0]

    @property
    def minor(self) -> int:
        return parse_version(self.version)[1]


class Codec:
    """How one kind looks in one major. The default is the hub itself.

    `spec_create` and `spec_update` (msgspec Struct types) decode a request's target spec in
    this major; None means the kind's own types. `spec_to_hub` turns a decoded spec into the hub
    form; it also gets the stored hub spec on updates, so that what this major cannot express is
    kept. `spec_from_hub` and `state_from_hub` turn stored forms into this major's. For every hub
    spec h: spec_to_hub(spec_from_hub(h), h) == h (tests prove it over generated specs).
    """

    spec_create: type | None = None
    spec_update: type | None = None

    def spec_to_hub(self, spec: dict, previous: dict | None) -> dict:
        return spec

    def spec_from_hub(self, hub: dict) -> dict:
        return hub

    def state_from_hub(self, state: dict) -> dict:
        return state


IDENTITY = Codec()


@dataclass(frozen=True)
class Major:
    """A served major: its lifecycle dates and, per kind name, its codec."""

    number: int
    released: date
    deprecated: date | None = None
    sunset: date | None = None
    codecs: Mapping[str, Codec] = field(default_factory=dict)

    def codec(self, kind_name: str) -> Codec:
        return self.codecs.get(kind_name, IDENTITY)

    def status(self, today: date, newest: int) -> MajorStatus:
        if today < self.released:
            return MajorStatus.ANNOUNCED
        if self.sunset is not None and today >= self.sunset:
            return MajorStatus.RETIRED
        if self.deprecated is not None and today >= self.deprecated:
            return MajorStatus.DEPRECATED
        return MajorStatus.CURRENT if self.number == newest else MajorStatus.SUPPORTED


def parse_version(text: str) -> tuple[int, int]:
    """`"2.1"` -> (2, 1); ValueError for anything else."""
    major, dot, minor = text.strip().partition(".")
    numbers = decimal(major, 6), decimal(minor, 6)
    if not dot or None in numbers:
        raise ValueError(f"{text!r} is not a version like 1.0")
    return numbers


def epoch_of(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
