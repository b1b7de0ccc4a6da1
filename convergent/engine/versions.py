"""Schema version negotiation, the headers that tell callers about it, account defaults with
their automatic migration at end of availability, and usage counters for impact reports.

A `/v2` call is served by the major `X-Schemas-Version: M.m` names; `0.0` or no header means
the account's default for the section (its own choice, else the section's `default_major`).
An unknown major, or one past its end of availability, is refused with the versions on offer.
Answers carry `X-Schemas-Version` (the latest minor of the major that served them); a deprecated
major's also carry `Deprecation`, `Sunset` and a `Link` to the section's changelog.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

from ..auth import accounts
from ..errors import ApiError
from ..model.records import Event
from ..model.section import Section
from ..model.versions import Major, MajorStatus, epoch_of, parse_version
from ..store import Store
from ..store.cache import ItemsCache

__all__ = ["Versions", "ACCOUNT_KIND", "SCHEMAS_EVENT"]

ACCOUNT_KIND = "account"  # the `kind` of events about an account itself
SCHEMAS_EVENT = "SCHEMAS_VERSION_CHANGE"


class Versions:
    def __init__(self, store: Store, clock):
        self.store = store
        self.clock = clock
        self._defaults = ItemsCache(store)
        self._usage: Counter = Counter()
        self._last_seen: dict[tuple, float] = {}
        self._day = -1
        self._today = date(1970, 1, 1)
        self._headers: dict[tuple[str, int], dict[str, str]] = {}  # for today
        self._usable: dict[tuple[str, int], Major | None] = {}  # for today: served, not retired

    def today(self) -> date:
        day = int(self.clock.now() // 86400)
        if day != self._day:
            self._day, self._today = day, date(1970, 1, 1) + timedelta(days=day)
            self._headers.clear()
            self._usable.clear()
        return self._today

    def offered(self, section: Section) -> list[dict]:
        """The versions of a section with their status today."""
        today = self.today()
        out = []
        for major in section.majors:
            status = section.status(major, today)
            out.append(
                {
                    "major": major.number,
                    "version": section.latest_version(major.number),
                    "status": str(status),
                    "released": major.released.isoformat(),
                    "deprecated": major.deprecated.isoformat() if major.deprecated else None,
                    "sunset": major.sunset.isoformat() if major.sunset else None,
                }
            )
        return out

    async def negotiate(
        self, section: Section, account: str, header: str | None, defaults: dict | None = None
    ) -> Major:
        """The major serving a call. `defaults` is the account's own choice per section, when
        the caller already knows it (authentication reads the account)."""
        if header:
            try:
                number, _ = parse_version(header)
            except ValueError:
                raise self._refusal(
                    section, "InvalidSchemasVersion", f"X-Schemas-Version {header!r} is not M.m"
                ) from None
            if number != 0:
                return self._usable_today(section, number) or self.served(section, number)
        if defaults is not None:
            major = self._usable_today(section, defaults.get(section.name, section.default_major))
            if major is not None:
                return major
        return self.served(section, await self.account_default(account, section))

    def _usable_today(self, section: Section, number: int) -> Major | None:
        self.today()  # empties the caches when the day changes
        key = (section.name, number)
        if key not in self._usable:
            major = section.major(number)
            usable = major is not None and section.status(major, self._today) not in (
                MajorStatus.RETIRED,
                MajorStatus.ANNOUNCED,
            )
            self._usable[key] = major if usable else None
        return self._usable[key]

    def served(self, section: Section, number: int) -> Major:
        """The major `number` if it is served today; 400 naming what is on offer otherwise."""
        major = section.major(number)
        today = self.today()
        if major is None or section.status(major, today) == MajorStatus.ANNOUNCED:
            raise self._refusal(
                section, "UnknownSchemasVersion", f"Section {section.name} has no schemas version {number}.x"
            )
        if section.status(major, today) == MajorStatus.RETIRED:
            successor = section.successor(major, today)
            instead = f"; use {section.latest_version(successor.number)}" if successor else ""
            raise self._refusal(
                section,
                "RetiredSchemasVersion",
                f"Schemas version {number}.x of {section.name} reached its end of availability on {major.sunset}{instead}",
            )
        return major

    def _refusal(self, section: Section, specific: str, message: str) -> ApiError:
        available = ",".join(
            v["version"] for v in self.offered(section) if v["status"] not in ("retired", "announced")
        )
        return ApiError(
            400,
            f"Client::BadRequest::{specific}",
            f"{message} (available: {available})",
            {"available": available},
        )

    def headers(self, section: Section, major: Major) -> dict[str, str]:
        """The headers of an answer served by `major` (the same dict all day: do not change it)."""
        today = self.today()
        key = (section.name, major.number)
        cached = self._headers.get(key)
        if cached is None:
            cached = self._headers[key] = self._make_headers(section, major, today)
        return cached

    def _make_headers(self, section: Section, major: Major, today: date) -> dict[str, str]:
        out = {"X-Schemas-Version": section.latest_version(major.number)}
        if section.status(major, today) == MajorStatus.DEPRECATED:
            out["Deprecation"] = f"@{epoch_of(major.deprecated)}"
            if major.sunset:
                sunset = datetime(major.sunset.year, major.sunset.month, major.sunset.day, tzinfo=UTC)
                out["Sunset"] = format_datetime(sunset, usegmt=True)
            out["Link"] = f'</v2/{section.name}.changelog.json>; rel="deprecation"; type="application/json"'
        return out

    async def account_default(self, account: str, section: Section) -> int:
        """The account's default major for a section, moved to the next major (with an event)
        once it is past its end of availability."""

        async def load() -> dict:
            item = await self.store.get_item(accounts.ACCOUNT, account)
            return dict(item.body.get("schemas", {})) if item else {}

        chosen = (await self._defaults.get(account, load)).get(section.name, section.default_major)
        major = section.major(chosen)
        today = self.today()
        if major is not None and section.status(major, today) != MajorStatus.RETIRED:
            return chosen
        successor = section.successor(major, today) if major else section.major(section.default_major)
        if successor is None:
            return chosen  # nothing to move to: calls get the refusal that names what is on offer
        await self.set_default(account, section, successor.number, f"end of availability of {chosen}.x")
        return successor.number

    async def set_default(self, account: str, section: Section, number: int, reason: str) -> None:
        now = self.clock.now()
        async with self.store.write() as tx:
            item = await tx.get_item(accounts.ACCOUNT, account)
            if item is None:
                raise ApiError.not_found("AccountNotFound", f"Account '{account}' does not exist")
            schemas = dict(item.body.get("schemas", {}))
            before = schemas.get(section.name, section.default_major)
            schemas[section.name] = number
            item.body["schemas"] = schemas
            item.updated_at = now
            await tx.update_item(item)
            await tx.insert_event(
                Event(
                    account=account,
                    kind=ACCOUNT_KIND,
                    resource_id=account,
                    type=SCHEMAS_EVENT,
                    name=f"{section.name}:{before}->{number}",
                    message=f"Default schemas version of {section.name} changed from {before}.x to {number}.x ({reason})",
                    link=f"/v2/{section.name}.changelog.json",
                    created_at=now,
                )
            )

    # usage

    def record(self, account: str, section: str, major: int, route: str, body: object) -> None:
        """Count a call, and each field its body sent (dotted paths, `[]` for list items)."""
        now = time.time()
        key = (account, section, major, route, "")
        self._usage[key] += 1
        self._last_seen[key] = now
        if isinstance(body, dict):
            for field in _paths(body, ""):
                key = (account, section, major, route, field)
                self._usage[key] += 1
                self._last_seen[key] = now

    async def flush(self) -> None:
        if not self._usage:
            return
        usage, seen = self._usage, self._last_seen
        self._usage, self._last_seen = Counter(), {}
        try:
            await self.store.add_usage([(*key, count, seen[key]) for key, count in usage.items()])
        except BaseException:
            self._usage.update(usage)  # kept for the next flush
            for key, when in seen.items():
                self._last_seen[key] = max(when, self._last_seen.get(key, when))
            raise

    async def impact(self, account: str, section: Section, target: int, days: float = 90.0) -> dict:
        """Which of the account's own calls of the last `days` the breaking changes up to major
        `target` would affect: a change hits a route the account called, and, for a change that
        concerns only what callers send, a field it sent there."""
        await self.flush()
        current = await self.account_default(account, section)
        rows = await self.store.usage(account, section.name, time.time() - days * 86400)
        calls: dict[str, tuple[int, float]] = {}
        sent: dict[str, set[str]] = {}
        for major, route, field, count, last_seen in rows:
            if major >= target:
                continue
            if field:
                sent.setdefault(route, set()).add(field)
            else:
                before = calls.get(route, (0, 0.0))
                calls[route] = (before[0] + count, max(before[1], last_seen))
        affected: dict[str, dict] = {}
        for version in section.versions:
            if not current < version.major <= target:
                continue
            for change in version.changes:
                if not change.breaking or change.route not in calls:
                    continue
                fields = sent.get(change.route, set())
                if change.sent_only and not any(_under(f, change.field) for f in fields):
                    continue
                count, last_seen = calls[change.route]
                entry = affected.setdefault(
                    change.route,
                    {
                        "operation": change.route,
                        "calls": count,
                        "lastSeen": datetime.fromtimestamp(last_seen, UTC).isoformat(),
                        "changes": [],
                    },
                )
                entry["changes"].append(
                    {"version": version.version, "field": change.field, "description": change.description}
                )
        return {
            "section": section.name,
            "fromMajor": current,
            "toMajor": target,
            "days": days,
            "affected": list(affected.values()),
            "canSwitch": not affected,
        }


def _under(path: str, field: str) -> bool:
    return path == field or path.startswith(field + ".") or path.startswith(field + "[]")


def _paths(value: object, prefix: str, depth: int = 0):
    if depth > 6:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _paths(inner, path, depth + 1)
    elif isinstance(value, list):
        seen: set[str] = set()
        for inner in value:
            for path in _paths(inner, f"{prefix}[]", depth + 1):
                if path not in seen:
                    seen.add(path)
                    yield path
