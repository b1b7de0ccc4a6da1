"""Usage counters and the impact reports they feed.

Every `/v2` call is counted in memory (account, section, major, route, and each field its body
sent), written to the store every five seconds by the runtime's housekeeping (and at stop). An
impact report reads them: which of an account's recent calls the breaking changes up to a
major would affect.
"""

from __future__ import annotations

from collections import Counter

from ..model.section import Section
from ..model.times import iso
from ..store import Store
from .clock import Clock

__all__ = ["Usage"]


class Usage:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock
        self._counts: Counter = Counter()
        self._last_seen: dict[tuple, float] = {}

    def record(self, account: str, section: str, major: int, route: str, body: object) -> None:
        """Count a call, and each field its body sent (dotted paths, `[]` for list items)."""
        now = self.clock.now()
        key = (account, section, major, route, "")
        self._counts[key] += 1
        self._last_seen[key] = now
        if isinstance(body, dict):
            for field in _paths(body, ""):
                key = (account, section, major, route, field)
                self._counts[key] += 1
                self._last_seen[key] = now

    async def flush(self) -> None:
        if not self._counts:
            return
        counts, seen = self._counts, self._last_seen
        self._counts, self._last_seen = Counter(), {}
        try:
            await self.store.add_usage([(*key, count, seen[key]) for key, count in counts.items()])
        except BaseException:
            self._counts.update(counts)  # kept for the next flush
            for key, when in seen.items():
                self._last_seen[key] = max(when, self._last_seen.get(key, when))
            raise

    async def impact(
        self, account: str, section: Section, current: int, target: int, days: float = 90.0
    ) -> dict:
        """Which of the account's own calls of the last `days` the breaking changes from its
        `current` default up to major `target` would affect: a change hits a route the account
        called, and, for a change that concerns only what callers send, a field it sent there."""
        await self.flush()
        rows = await self.store.usage(account, section.name, self.clock.now() - days * 86400)
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
                        "operation": _operation(change.route),
                        "calls": count,
                        "lastSeen": iso(last_seen),
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


def _operation(route: str) -> str:
    """`GET /publicCloud/project` -> `GET /v2/publicCloud/project`: operations named as the
    admin surface's faults name them."""
    method, _, path = route.partition(" ")
    return f"{method} /v2{path}"
