"""IAM policy decisions, as OVHcloud IAM makes them. Pure: no clock, no store, no I/O (beyond
`zoneinfo` loading a time zone the first time a condition names it).

`decide(policies, permissions_groups, subject, target, actions)` says which of `actions` the
caller described by `subject` may perform on `target`, given the account's policies in the wire
shape of `iam.policy.Response`.

Which policies apply to a call
------------------------------
A policy applies when all of these hold:
- one of its `identities` matches one of `subject.identities`;
- one of its `resources[].urn` matches `target.urn` or one of `target.groups` (the URNs of the
  resource groups that contain the target);
- it has not expired: `expiredAt` is absent/null or strictly later than `subject.now`;
- its `conditions` hold (absent/null conditions hold).
A policy addressed to the call (identity and resource match) whose `expiredAt` or `conditions`
cannot be evaluated (malformed date, unknown operator or key, bad value, unknown time zone, ...)
is *undecided*: it grants nothing, but its denials still apply. Errors never widen access.

Matching
--------
URNs and actions match exactly, or through `*`, which stands for any run of characters (empty
included) wherever it appears; everything else is literal and case-sensitive. See `matches`.

Permissions
-----------
A policy carries permission sets: its own `permissions`, and the `permissions` of each of its
`permissionsGroups` (looked up by URN in `OVH_PERMISSIONS_GROUPS` first, then in
`permissions_groups`; an unknown URN contributes nothing, and the copy of a group's permissions
embedded in a policy answer is ignored). Each set is evaluated on its own: an action is granted
by a set when one of its `allow` patterns matches and none of the *same set's* `except` patterns
does. So `except` never reaches another policy, nor another set of the same policy (this is how
OVHcloud evaluates permissions groups: "excepts actions only affect actions in the same
permission group"). An action is authorized when some applicable policy grants it and no
applicable or undecided policy denies it: a `deny` pattern of any set wins over every allow.

Conditions
----------
`{"operator": "AND"|"OR"|"NOT"|"MATCH", "values": {key: value}, "conditions": [...]}`:
- MATCH: every entry of `values` holds. Nested conditions, or no values, are malformed.
- AND: every nested condition and every entry of `values` holds.
- OR: at least one nested condition or one entry of `values` holds.
- NOT: exactly one nested condition and no values: that condition does not hold; no nested
  condition and some values: those values, read as a MATCH, do not hold; anything else is
  malformed.
A node with any other field (`value` for `values`), or saying nothing (AND or OR with neither
values nor conditions), is malformed: what is not understood never reads as "no restriction".
A malformed condition anywhere makes the whole policy undecided: a broken key under a NOT can
not turn into a grant.

Supported keys (a key may end with an operator suffix `.EQ`, the default, or `.IN`, whose value
is a comma-separated list of alternatives of which one must hold; suffixes are case-insensitive,
as in `date(Europe/Paris).WeekDay.In`):
- `resource.Tag(<name>)`: the target has tag `<name>` and its value matches the condition value
  (`*` wildcards allowed, case-sensitive). A missing tag does not hold.
- `request.IP`: the value is an IP address or CIDR block (host bits allowed); holds when
  `subject.ip` is inside it. An IPv4-mapped IPv6 caller (`::ffff:a.b.c.d`) counts as IPv4; any
  other v4/v6 mix does not hold. An invalid value or caller IP is malformed.
- `date(<IANA time zone>).WeekDay`: the value is an English weekday name, case-insensitive
  (`monday`); holds when `subject.now`, seen in that time zone, falls on that day. An unknown
  time zone or day name is malformed.
Any other key is malformed. Use `check_conditions` to reject such conditions at policy creation.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "OVH_PERMISSIONS_GROUPS",
    "Decision",
    "Subject",
    "Target",
    "check_conditions",
    "decide",
    "matches",
    "plated",
    "timestamp",
]


@dataclass(frozen=True, slots=True)
class Subject:
    """What is known about one call: who (all the URNs the caller is), from where, when."""

    identities: tuple[str, ...]
    ip: str
    now: float


@dataclass(frozen=True, slots=True)
class Target:
    """The resource a call acts on: its URN, its IAM tags, the resource groups containing it."""

    urn: str
    tags: Mapping[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The requested actions split in two, each in the order they were asked."""

    authorized: tuple[str, ...]
    unauthorized: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """True when no requested action is unauthorized (so also for no action at all)."""
        return not self.unauthorized


def _group(name: str, description: str, permissions: dict) -> tuple[str, dict]:
    urn = f"urn:v1:eu:permissionsGroup:{name}"
    return urn, {
        "urn": urn,
        "name": name,
        "owner": "ovh",
        "description": description,
        "permissions": permissions,
    }


# OVH-managed permissions groups, always resolvable, by URN; treat as read-only. Each value
# carries the fields of an `iam.PermissionsGroup` answer that do not depend on storage (`urn`,
# `name`, `owner`, `description`, `permissions`); `decide` uses its `permissions`. ovh-readOnly
# allows the read actions: those whose last segment is `get` (`*/get` or `*:get`), which is how
# every GET operation of the API names its action (`publicCloudProject:apiovh:get`,
# `vrackServices:apiovh:resource/task/get`, `account:apiovh:iam/policy/get`).
OVH_PERMISSIONS_GROUPS: dict[str, dict] = dict(
    [
        _group(
            "ovh-admin",
            "Full access: every action on the resources of the policy",
            {"allow": [{"action": "*"}], "except": [], "deny": []},
        ),
        _group(
            "ovh-readOnly",
            "Read-only access: every read action (`*/get`, `*:get`) on the resources of the policy",
            {"allow": [{"action": "*/get"}, {"action": "*:get"}], "except": [], "deny": []},
        ),
        _group(
            "ovh-manager",
            "Operate everything except identity and access management and the account itself "
            "(`account:apiovh:iam/*`, `account:apiovh:me/*`)",
            {
                "allow": [{"action": "*"}],
                "except": [{"action": "account:apiovh:iam/*"}, {"action": "account:apiovh:me/*"}],
                "deny": [],
            },
        ),
    ]
)


# --- matching -------------------------------------------------------------------------------

PLATE = "eu"  # this server's plate: the `eu` of urn:v1:eu:...


def plated(urn: str) -> str:
    """A URN with an empty plate (`urn:v1::...`, as clients configured with a URL endpoint build
    them) read as this server's plate; any other string unchanged."""
    return f"urn:v1:{PLATE}:{urn[8:]}" if urn.startswith("urn:v1::") else urn


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def matches(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern`: equal, or equal once each `*` of `pattern` is replaced
    by some run of characters (possibly empty). Case-sensitive; every other character literal."""
    if "*" not in pattern:
        return pattern == value
    if pattern == "*":
        return True
    return _compiled(pattern).fullmatch(value) is not None


# --- decision -------------------------------------------------------------------------------


def decide(
    policies: Iterable[Mapping],
    permissions_groups: Mapping[str, Mapping],
    subject: Subject,
    target: Target,
    actions: Iterable[str],
) -> Decision:
    """Split `actions` into authorized and unauthorized for `subject` acting on `target`.

    `policies` are dicts in the shape of `iam.policy.Response`; `permissions_groups` maps a
    permissions group URN to its `permissions` dict (`{"allow", "except", "deny"}`), for the
    account's own groups (OVH-managed ones are always known). See the module docstring for the
    rules. Pure: the same inputs always give the same decision.
    """
    grants: list[tuple[list[str], list[str]]] = []  # (allow, except) per permission set
    denials: list[str] = []
    for policy in policies:
        standing = _standing(policy, subject, target)
        if standing is False:
            continue
        for permissions in _permission_sets(policy, permissions_groups):
            denials.extend(_patterns(permissions, "deny"))
            if standing:
                grants.append((_patterns(permissions, "allow"), _patterns(permissions, "except")))

    authorized: list[str] = []
    unauthorized: list[str] = []
    for action in actions:
        granted = not _any_match(denials, action) and any(
            _any_match(allow, action) and not _any_match(excluded, action) for allow, excluded in grants
        )
        (authorized if granted else unauthorized).append(action)
    return Decision(tuple(authorized), tuple(unauthorized))


def _any_match(patterns: list[str], value: str) -> bool:
    return any(matches(pattern, value) for pattern in patterns)


def _standing(policy: Mapping, subject: Subject, target: Target) -> bool | None:
    """True: the policy applies. False: it does not. None: it is addressed to this call (identity
    and resource match) but its expiry or conditions cannot be evaluated."""
    identities = [i for i in policy.get("identities") or () if isinstance(i, str)]
    if not any(matches(plated(p), who) for p in identities for who in subject.identities):
        return False
    urns = [r.get("urn") for r in policy.get("resources") or () if isinstance(r, Mapping)]
    places = (target.urn, *target.groups)
    if not any(matches(plated(urn), place) for urn in urns if isinstance(urn, str) for place in places):
        return False
    try:
        expired_at = policy.get("expiredAt")
        if expired_at is not None and _epoch(expired_at) <= subject.now:
            return False
        return _compile(policy.get("conditions"))(subject, target)
    except _Unevaluable:
        return None


def _permission_sets(policy: Mapping, permissions_groups: Mapping[str, Mapping]) -> list[Mapping]:
    sets: list[Mapping] = []
    own = policy.get("permissions")
    if isinstance(own, Mapping):
        sets.append(own)
    for ref in policy.get("permissionsGroups") or ():
        urn = ref.get("urn") if isinstance(ref, Mapping) else None
        if not isinstance(urn, str):
            continue
        urn = plated(urn)
        if urn in OVH_PERMISSIONS_GROUPS:
            sets.append(OVH_PERMISSIONS_GROUPS[urn]["permissions"])
        elif isinstance(permissions_groups.get(urn), Mapping):
            sets.append(permissions_groups[urn])
    return sets


def _patterns(permissions: Mapping, kind: str) -> list[str]:
    out: list[str] = []
    for item in permissions.get(kind) or ():
        action = item.get("action") if isinstance(item, Mapping) else None
        if isinstance(action, str):
            out.append(action)
    return out


# --- time -----------------------------------------------------------------------------------

_RFC3339 = re.compile(  # re.ASCII: \d means 0-9 only
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


class _Unevaluable(ValueError):
    """A date or condition that cannot be evaluated; the policy carrying it grants nothing."""


def _epoch(text: object) -> float:
    """Unix seconds of an RFC 3339 date-time (`Z` or a numeric offset required, any number of
    fractional digits, a leap second 60 read as the next minute). Raises _Unevaluable otherwise."""
    m = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise _Unevaluable(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    fraction = float("0." + m[7]) if m[7] else 0.0
    leap = 1 if second == 60 else 0
    try:
        offset = timedelta(0) if m[8] else int(m[9] + "1") * timedelta(hours=int(m[10]), minutes=int(m[11]))
        moment = datetime(year, month, day, hour, minute, second - leap, tzinfo=timezone(offset))
    except ValueError as e:
        raise _Unevaluable(f"not an RFC 3339 date-time: {text!r}") from e
    return moment.timestamp() + leap + fraction


# --- conditions -----------------------------------------------------------------------------

_Predicate = Callable[[Subject, Target], bool]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_KEY = re.compile(
    r"(?:resource\.Tag\((?P<tag>[^()]+)\)|(?P<ip>request\.IP)|date\((?P<tz>[^()]+)\)\.WeekDay)"
    r"(?:\.(?P<op>[A-Za-z]+))?"
)


# What a condition node may hold, as the reference's `iam.policy.Condition` declares it.
_CONDITION_FIELDS = frozenset(("operator", "values", "conditions"))
_OPERATORS = ("AND", "MATCH", "NOT", "OR")


def check_conditions(conditions: object) -> str | None:
    """None when `conditions` (a policy's `conditions` field, possibly None) is well-formed and
    uses only supported keys and valid values; otherwise a short reason, for a 400 answer."""
    try:
        _compile(conditions)
    except _Unevaluable as e:
        return str(e)
    return None


def _always(subject: Subject, target: Target) -> bool:
    return True


def _compile(node: object) -> _Predicate:
    """The predicate of a condition tree (None: always true). Raises _Unevaluable if malformed."""
    if node is None:
        return _always
    if not isinstance(node, Mapping):
        raise _Unevaluable("a condition must be an object")
    unknown = set(node) - _CONDITION_FIELDS
    if unknown:
        raise _Unevaluable(f"unknown condition field {sorted(unknown)[0]!r}")
    values = node.get("values") or {}
    nested = node.get("conditions") or []
    if not isinstance(values, Mapping):
        raise _Unevaluable("condition values must be an object")
    if not isinstance(nested, (list, tuple)) or any(c is None for c in nested):
        raise _Unevaluable("nested conditions must be a list of conditions")
    tests = [_value(key, value) for key, value in values.items()]
    children = [_compile(child) for child in nested]
    operator = node.get("operator")
    if not tests and not children and operator in _OPERATORS:
        raise _Unevaluable(f"{operator} takes values or nested conditions")
    if operator == "MATCH":
        if children:
            raise _Unevaluable("MATCH takes values, not nested conditions")
        return lambda s, t: all(p(s, t) for p in tests)
    if operator == "AND":
        parts = children + tests
        return lambda s, t: all(p(s, t) for p in parts)
    if operator == "OR":
        parts = children + tests
        return lambda s, t: any(p(s, t) for p in parts)
    if operator == "NOT":
        if len(children) == 1 and not tests:
            inner = children[0]
            return lambda s, t: not inner(s, t)
        if not children and tests:
            return lambda s, t: not all(p(s, t) for p in tests)
        raise _Unevaluable("NOT takes exactly one nested condition, or values")
    raise _Unevaluable(f"unknown condition operator {operator!r}")


def _value(key: object, value: object) -> _Predicate:
    """The predicate of one `values` entry."""
    m = _KEY.fullmatch(key) if isinstance(key, str) else None
    if m is None:
        raise _Unevaluable(f"unsupported condition key {key!r}")
    if not isinstance(value, str):
        raise _Unevaluable(f"condition value of {key!r} must be a string")
    op = (m["op"] or "EQ").upper()
    if op == "EQ":
        alternatives = [value]
    elif op == "IN":
        alternatives = [part.strip() for part in value.split(",")]
    else:
        raise _Unevaluable(f"unsupported condition operator in key {key!r}")
    if m["tag"] is not None:
        return _tag_test(m["tag"], alternatives)
    if m["ip"] is not None:
        return _ip_test(alternatives)
    return _weekday_test(m["tz"], alternatives)


def _tag_test(name: str, patterns: list[str]) -> _Predicate:
    def test(subject: Subject, target: Target) -> bool:
        tag = target.tags.get(name)
        return tag is not None and _any_match(patterns, tag)

    return test


def _ip_test(blocks: list[str]) -> _Predicate:
    try:
        networks = [ipaddress.ip_network(block, strict=False) for block in blocks]
    except ValueError as e:
        raise _Unevaluable(f"not an IP address or CIDR block: {', '.join(blocks)!r}") from e

    def test(subject: Subject, target: Target) -> bool:
        try:
            ip = ipaddress.ip_address(subject.ip)
        except ValueError as e:
            raise _Unevaluable(f"caller IP is not an IP address: {subject.ip!r}") from e
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in networks)

    return test


def _weekday_test(zone_name: str, days: list[str]) -> _Predicate:
    try:
        zone = ZoneInfo(zone_name)  # cached by zoneinfo after the first load
    except (KeyError, ValueError, OSError) as e:  # ZoneInfoNotFoundError is a KeyError
        raise _Unevaluable(f"unknown time zone {zone_name!r}") from e
    wanted: set[int] = set()
    for day in days:
        if day.lower() not in _WEEKDAYS:
            raise _Unevaluable(f"not a weekday name: {day!r}")
        wanted.add(_WEEKDAYS.index(day.lower()))

    def test(subject: Subject, target: Target) -> bool:
        return datetime.fromtimestamp(subject.now, zone).weekday() in wanted

    return test


def timestamp(text: object) -> float:
    """Unix seconds of an RFC 3339 date-time with a time zone; ValueError when it is not one."""
    return _epoch(text)
