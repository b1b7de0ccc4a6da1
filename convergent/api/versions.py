"""Schemas versions on the wire: the major a call pins with `X-Schemas-Version`, and the headers
that tell callers which version served them.

`X-Schemas-Version: M.m` pins major M; `0.0` or no header pins none, and the account's default
serves (the section decides which major that is: `Section.serving`). Answers carry
`X-Schemas-Version` (the latest minor of the major that served them); a deprecated major's also
carry `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a `Link` to the section's changelog.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime

from ..engine.clock import Clock
from ..model.section import Section
from ..model.versions import Major, MajorStatus, epoch_of, parse_version

__all__ = ["pinned", "AnswerHeaders"]


def pinned(section: Section, header: str | None, today: date) -> int | None:
    """The major `X-Schemas-Version` pins (None for none); 400 when it is not `M.m`."""
    if not header:
        return None
    try:
        number, _ = parse_version(header)
    except ValueError:
        raise section.refusal(
            "InvalidSchemasVersion", f"X-Schemas-Version {header!r} is not M.m", today
        ) from None
    return number or None


class AnswerHeaders:
    """The version headers of answers, made once per section, major and day."""

    def __init__(self, clock: Clock, announced: dict[tuple[str, int], Major] | None = None):
        self.clock = clock
        self.announced = {} if announced is None else announced  # see Runtime.announced
        self._day: date | None = None
        self._made: dict[tuple[str, int], tuple[Major, dict[str, str]]] = {}
        self._raw: dict[tuple[str, int], tuple[dict[str, str], tuple[tuple[bytes, bytes], ...]]] = {}

    def of(self, section: Section, major: Major) -> dict[str, str]:
        """The headers of an answer served by `major` (the same dict all day: do not change it)."""
        today = self.clock.today()
        if today != self._day:
            self._day = today
            self._made.clear()
            self._raw.clear()
        key = (section.name, major.number)
        major = self.announced.get(key, major)
        made = self._made.get(key)
        if made is None or made[0] is not major:
            made = self._made[key] = (major, _make(section, major, today))
        return made[1]

    def raw_of(self, section: Section, major: Major) -> tuple[tuple[bytes, bytes], ...]:
        """The same headers as raw ASGI pairs (lower-case names), for `responses.set_headers`."""
        made = self.of(section, major)
        key = (section.name, major.number)
        raw = self._raw.get(key)
        if raw is None or raw[0] is not made:
            pairs = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in made.items())
            raw = self._raw[key] = (made, pairs)
        return raw[1]


def _make(section: Section, major: Major, today: date) -> dict[str, str]:
    out = {"X-Schemas-Version": section.latest_version(major.number)}
    if section.status(major, today) == MajorStatus.DEPRECATED:
        out["Deprecation"] = f"@{epoch_of(major.deprecated)}"
        if major.sunset:
            sunset = datetime(major.sunset.year, major.sunset.month, major.sunset.day, tzinfo=UTC)
            out["Sunset"] = format_datetime(sunset, usegmt=True)
        out["Link"] = f'</v2/{section.name}.changelog.json>; rel="deprecation"; type="application/json"'
    return out
