"""What managed Rancher offers: plans and versions, for new services and for existing ones.

Rules, as OVHcloud states them: a new service takes any AVAILABLE plan and version (the latest
by default); an existing one may switch plan freely, stay on its version, or upgrade to the next
minor only; it may never downgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import PLANS

__all__ = [
    "VERSIONS",
    "latest_version",
    "version_references",
    "plan_references",
    "version_capabilities",
    "plan_capabilities",
]


@dataclass(frozen=True)
class Version:
    name: str
    orderable: bool = True
    cause: str | None = None
    message: str | None = None

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.name.split("."))

    @property
    def changelog(self) -> str:
        return f"https://github.com/rancher/rancher/releases/tag/v{self.name}"


VERSIONS: tuple[Version, ...] = (
    Version("2.7.17", orderable=False, cause="END_OF_SALE", message="This version can no longer be ordered."),
    Version("2.8.11"),
    Version("2.9.7"),
    Version("2.10.3"),
)
_BY_NAME = {v.name: v for v in VERSIONS}


def latest_version() -> str:
    return max((v for v in VERSIONS if v.orderable), key=lambda v: v.key).name


def _entry(version: Version, status: str, cause: str | None = None, message: str | None = None) -> dict:
    out = {"changelogUrl": version.changelog, "name": version.name, "status": status}
    if cause:
        out["cause"] = cause
        out["message"] = message
    return dict(sorted(out.items()))


def version_references() -> list[dict]:
    return [
        _entry(v, "AVAILABLE") if v.orderable else _entry(v, "UNAVAILABLE", v.cause, v.message)
        for v in VERSIONS
    ]


def plan_references() -> list[dict]:
    return [{"name": plan, "status": "AVAILABLE"} for plan in PLANS]


def version_capabilities(current: str) -> list[dict]:
    ladder = sorted(VERSIONS, key=lambda v: v.key)
    here = next((i for i, v in enumerate(ladder) if v.name == current), None)
    out = []
    for i, v in enumerate(ladder):
        if here is None or i == here or i == here + 1:
            out.append(_entry(v, "AVAILABLE"))
        elif i < here:
            out.append(
                _entry(v, "UNAVAILABLE", "DISABLED", "Downgrading a managed Rancher is not supported.")
            )
        else:
            out.append(
                _entry(
                    v,
                    "UNAVAILABLE",
                    "CANNOT_UPGRADE_MULTIPLE_VERSIONS",
                    "You cannot upgrade directly to this version, please upgrade to the next minor first.",
                )
            )
    return out


def plan_capabilities(current: str) -> list[dict]:
    return [{"name": plan, "status": "CURRENT" if plan == current else "AVAILABLE"} for plan in PLANS]


def refusal(entries: list[dict], name: str) -> str | None:
    """Why `name` may not be chosen from `entries` (None when it may)."""
    entry = next((e for e in entries if e["name"] == name), None)
    if entry is None:
        return f"'{name}' is not a known value; choose one of {', '.join(e['name'] for e in entries)}"
    if entry["status"] == "UNAVAILABLE":
        return f"'{name}' is unavailable ({entry.get('cause')}): {entry.get('message')}"
    return None
