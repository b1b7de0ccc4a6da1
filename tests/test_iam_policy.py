"""IAM policy decisions (`convergent.iam.policy`): matching, permissions, expiry, conditions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from convergent.iam import policy as iam
from convergent.iam.policy import (
    OVH_PERMISSIONS_GROUPS,
    Decision,
    Subject,
    Target,
    check_conditions,
    decide,
    matches,
)

ALICE = "urn:v1:eu:identity:user:xx1111-ovh/alice"
BOB = "urn:v1:eu:identity:user:xx1111-ovh/bob"
ADMINS = "urn:v1:eu:identity:group:xx1111-ovh/admins"
PROJECT = "urn:v1:eu:resource:publicCloudProject:0123456789abcdef"
OTHER_PROJECT = "urn:v1:eu:resource:publicCloudProject:fedcba9876543210"
VPS = "urn:v1:eu:resource:vps:vps-5b48d78b.vps.ovh.net"
GROUP = "urn:v1:eu:resourceGroup:aa0713ab-ed13-4f1a-89a5-32aa0cb936d8"
CUSTOM = "urn:v1:eu:permissionsGroup:3f1b2c4d-0000-4000-8000-000000000001"
ADMIN_PG = "urn:v1:eu:permissionsGroup:ovh-admin"
READ_PG = "urn:v1:eu:permissionsGroup:ovh-readOnly"
MANAGER_PG = "urn:v1:eu:permissionsGroup:ovh-manager"

GET = "publicCloudProject:apiovh:get"
EDIT = "publicCloudProject:apiovh:edit"
RANCHER_GET = "publicCloudProject:apiovh:rancher/get"
RANCHER_CREATE = "publicCloudProject:apiovh:rancher/create"
RANCHER_DELETE = "publicCloudProject:apiovh:rancher/delete"

# Monday 2024-01-01 12:00:00 UTC.
NOW = datetime(2024, 1, 1, 12, tzinfo=UTC).timestamp()


def _zones_available() -> bool:
    try:
        for name in ("Europe/Paris", "Asia/Tokyo", "America/Los_Angeles"):
            ZoneInfo(name)
    except Exception:
        return False
    return True


needs_tzdata = pytest.mark.skipif(not _zones_available(), reason="no IANA time zone database")


def make_policy(
    allow: tuple[str, ...] = (),
    except_: tuple[str, ...] = (),
    deny: tuple[str, ...] = (),
    *,
    identities: tuple[str, ...] = (ALICE,),
    resources: tuple[str, ...] = (PROJECT,),
    groups: tuple[str, ...] | None = None,
    conditions: object = None,
    expired_at: object = None,
) -> dict:
    """A policy in the wire shape of `iam.policy.Response`."""
    return {
        "id": "9dfe6a03-1937-4287-8ab7-866224d333b1",
        "name": "test",
        "owner": "xx1111-ovh",
        "readOnly": False,
        "identities": list(identities),
        "resources": [{"urn": urn} for urn in resources],
        "permissions": {
            "allow": [{"action": a} for a in allow],
            "except": [{"action": a} for a in except_],
            "deny": [{"action": a} for a in deny],
        },
        "permissionsGroups": None if groups is None else [{"urn": urn} for urn in groups],
        "conditions": conditions,
        "expiredAt": expired_at,
        "createdAt": "2023-01-01T00:00:00Z",
    }


def run(
    policies: list[dict],
    actions: tuple[str, ...] = (GET,),
    *,
    identities: tuple[str, ...] = (ALICE,),
    ip: str = "192.0.2.10",
    now: float = NOW,
    target: Target | None = None,
    permissions_groups: dict | None = None,
) -> Decision:
    return decide(
        policies,
        permissions_groups or {},
        Subject(identities=identities, ip=ip, now=now),
        target or Target(urn=PROJECT),
        actions,
    )


def allowed(policies: list[dict], action: str = GET, **kwargs) -> bool:
    return run(policies, (action,), **kwargs).allowed


# --- matches --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "anything:at/all", True),
        ("*", "", True),
        (GET, GET, True),
        (GET, EDIT, False),
        (GET, GET + "x", False),
        ("publicCloudProject:apiovh:*", RANCHER_CREATE, True),
        ("publicCloudProject:apiovh:*", "vps:apiovh:reboot", False),
        ("urn:v1:eu:resource:publicCloudProject:*", PROJECT, True),
        ("urn:v1:eu:resource:publicCloudProject:*", VPS, False),
        ("*:get", GET, True),
        ("*:get", RANCHER_GET, False),
        ("*/get", RANCHER_GET, True),
        ("*/get", GET, False),
        ("publicCloudProject:*/get", RANCHER_GET, True),
        ("publicCloudProject:*/get", "vps:apiovh:ips/get", False),
        ("*rancher*", RANCHER_CREATE, True),
        ("a*b*c", "abc", True),
        ("a*b*c", "a-b-c-d", False),
        ("publicCloudProject:apiovh:GET", GET, False),  # case-sensitive
        ("a.c", "abc", False),  # regex metacharacters are literal
        ("a+", "aa", False),
        ("a?c", "abc", False),
        ("[ab]*", "a", False),
        ("[ab]*", "[ab]x", True),
        ("x*", "x\ny", True),
    ],
)
def test_matches(pattern, value, expected):
    assert matches(pattern, value) is expected


def test_matches_caches_compiled_patterns():
    matches("cache-probe:*", "cache-probe:a")
    before = iam._compiled.cache_info().hits
    matches("cache-probe:*", "cache-probe:b")
    assert iam._compiled.cache_info().hits == before + 1


# --- identities and resources ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy_identities", "caller", "expected"),
    [
        ((ALICE,), (ALICE,), True),
        ((BOB,), (ALICE,), False),
        ((ADMINS,), (ALICE, ADMINS), True),  # through a group the caller belongs to
        ((ADMINS,), (ALICE,), False),
        ((BOB, ADMINS), (ALICE, ADMINS), True),
        (("urn:v1:eu:identity:user:xx1111-ovh/*",), (ALICE,), True),
        (("urn:v1:eu:identity:user:xx2222-ovh/*",), (ALICE,), False),
        (("urn:v1:eu:identity:*",), (ALICE,), True),
        ((ALICE.replace(":eu:", "::"),), (ALICE,), True),  # an empty plate is this server's
        (("urn:v1:ca:identity:user:xx1111-ovh/alice",), (ALICE,), False),
        (("*",), (ALICE,), True),
        ((), (ALICE,), False),
        ((ALICE,), (), False),
    ],
)
def test_identity_matching(policy_identities, caller, expected):
    policies = [make_policy(("*",), identities=policy_identities)]
    assert allowed(policies, identities=caller) is expected


@pytest.mark.parametrize(
    ("policy_resources", "target", "expected"),
    [
        ((PROJECT,), Target(PROJECT), True),
        ((OTHER_PROJECT,), Target(PROJECT), False),
        ((VPS, PROJECT), Target(PROJECT), True),
        (("urn:v1:eu:resource:publicCloudProject:*",), Target(PROJECT), True),
        (("urn:v1:eu:resource:publicCloudProject:*",), Target(VPS), False),
        (("urn:v1:eu:resource:*",), Target(VPS), True),
        ((PROJECT.replace(":eu:", "::"),), Target(PROJECT), True),
        (("urn:v1::resource:*",), Target(VPS), True),
        (("*",), Target(VPS), True),
        ((GROUP,), Target(PROJECT, groups=(GROUP,)), True),
        ((GROUP,), Target(PROJECT, groups=("urn:v1:eu:resourceGroup:other",)), False),
        ((GROUP,), Target(PROJECT), False),
        (("urn:v1:eu:resourceGroup:*",), Target(PROJECT, groups=(GROUP,)), True),
        (("urn:v1:eu:resourceGroup:*",), Target(PROJECT), False),
        ((), Target(PROJECT), False),
    ],
)
def test_resource_matching(policy_resources, target, expected):
    policies = [make_policy(("*",), resources=policy_resources)]
    assert allowed(policies, target=target) is expected


# --- allow, except, deny --------------------------------------------------------------------


def test_nothing_is_allowed_without_a_policy():
    decision = run([], (GET, EDIT))
    assert decision == Decision(authorized=(), unauthorized=(GET, EDIT))
    assert not decision.allowed


@pytest.mark.parametrize(
    ("policies", "action", "expected"),
    [
        ([make_policy((GET,))], GET, True),
        ([make_policy((GET,))], EDIT, False),
        ([make_policy(("publicCloudProject:apiovh:*",))], RANCHER_CREATE, True),
        ([make_policy(("vps:apiovh:*",))], GET, False),
        # except removes from the allow of its own policy
        ([make_policy(("publicCloudProject:apiovh:*",), (RANCHER_DELETE,))], RANCHER_DELETE, False),
        ([make_policy(("publicCloudProject:apiovh:*",), (RANCHER_DELETE,))], RANCHER_CREATE, True),
        ([make_policy(("*",), ("publicCloudProject:apiovh:rancher/*",))], RANCHER_GET, False),
        ([make_policy(("*",), ("publicCloudProject:apiovh:rancher/*",))], GET, True),
        # except alone grants nothing
        ([make_policy((), (GET,))], GET, False),
        # except only within its policy: another policy's allow still grants
        ([make_policy(("*",), (EDIT,)), make_policy((EDIT,))], EDIT, True),
        # deny wins, in the same policy and across policies
        ([make_policy(("*",), (), (EDIT,))], EDIT, False),
        ([make_policy(("*",), (), (EDIT,))], GET, True),
        ([make_policy(("*",)), make_policy((), (), ("publicCloudProject:apiovh:*",))], EDIT, False),
        ([make_policy((), (), (EDIT,)), make_policy((EDIT,)), make_policy(("*",))], EDIT, False),
        (
            [make_policy(("*",)), make_policy((), (), ("*",), identities=(ADMINS,))],
            GET,
            True,
        ),  # not for alice
        (
            [make_policy(("*",)), make_policy((), (), ("*",), resources=(VPS,))],
            GET,
            True,
        ),  # not this resource
    ],
)
def test_allow_except_deny(policies, action, expected):
    assert allowed(policies, action) is expected


def test_deny_from_a_group_identity_reaches_its_members():
    policies = [make_policy(("*",)), make_policy((), (), (EDIT,), identities=(ADMINS,))]
    assert allowed(policies, EDIT, identities=(ALICE,))
    assert not allowed(policies, EDIT, identities=(ALICE, ADMINS))


def test_null_and_absent_fields():
    bare = {
        "identities": [ALICE],
        "resources": [{"urn": PROJECT}],
        "permissions": {"allow": [{"action": GET}]},
    }
    assert allowed([bare])
    nulls = dict(bare, permissions={"allow": [{"action": GET}], "except": None, "deny": None})
    nulls.update(permissionsGroups=None, conditions=None, expiredAt=None)
    assert allowed([nulls])
    nothing = {"identities": [ALICE], "resources": [{"urn": PROJECT}], "permissions": {"allow": None}}
    assert not allowed([nothing])
    assert not allowed([{"identities": [ALICE], "resources": [{"urn": PROJECT}]}])
    assert not allowed([{"identities": None, "resources": None, "permissions": {"allow": [{"action": "*"}]}}])


def test_several_actions_keep_their_order():
    policies = [make_policy(("publicCloudProject:apiovh:rancher/*", GET), (RANCHER_DELETE,))]
    actions = (RANCHER_DELETE, GET, EDIT, RANCHER_CREATE, RANCHER_GET, EDIT)
    decision = run(policies, actions)
    assert decision.authorized == (GET, RANCHER_CREATE, RANCHER_GET)
    assert decision.unauthorized == (RANCHER_DELETE, EDIT, EDIT)
    assert not decision.allowed


def test_decision_allowed():
    assert run([make_policy((GET, EDIT))], (EDIT, GET)) == Decision((EDIT, GET), ())
    assert run([make_policy((GET, EDIT))], (EDIT, GET)).allowed
    assert run([], ()).allowed  # nothing asked, nothing refused


def test_policies_may_be_any_iterable():
    assert run(iter([make_policy((GET,))]), (GET,)).allowed
    assert run((p for p in [make_policy((GET,))]), (GET,)).allowed


# --- permissions groups ---------------------------------------------------------------------


def test_custom_permissions_group_grants():
    groups = {CUSTOM: {"allow": [{"action": "publicCloudProject:apiovh:rancher/*"}]}}
    policies = [make_policy(groups=(CUSTOM,))]
    assert allowed(policies, RANCHER_CREATE, permissions_groups=groups)
    assert not allowed(policies, GET, permissions_groups=groups)
    assert not allowed(policies, RANCHER_CREATE)  # the group is not known


def test_unknown_permissions_group_contributes_nothing():
    unknown = "urn:v1:eu:permissionsGroup:unknown"
    policy = make_policy((GET,))
    # the copy of the permissions embedded in a policy answer is not trusted
    policy["permissionsGroups"] = [{"urn": unknown, "permissions": {"allow": [{"action": "*"}]}}]
    assert allowed([policy], GET)
    assert not allowed([policy], EDIT)
    assert not allowed([make_policy((), (), (), groups=(unknown,))], GET)


def test_permissions_group_deny_wins_over_other_policies():
    groups = {CUSTOM: {"deny": [{"action": EDIT}]}}
    policies = [make_policy(("*",)), make_policy(groups=(CUSTOM,))]
    assert not allowed(policies, EDIT, permissions_groups=groups)
    assert allowed(policies, GET, permissions_groups=groups)


def test_except_stays_in_its_permission_set():
    groups = {CUSTOM: {"allow": [{"action": "publicCloudProject:apiovh:*"}], "except": [{"action": EDIT}]}}
    # The group's except removes the group's own allow ...
    assert not allowed([make_policy(groups=(CUSTOM,))], EDIT, permissions_groups=groups)
    assert allowed([make_policy(groups=(CUSTOM,))], GET, permissions_groups=groups)
    # ... but not what the policy itself allows,
    assert allowed([make_policy((EDIT,), groups=(CUSTOM,))], EDIT, permissions_groups=groups)
    # and the policy's own except does not reach what a group allows.
    assert allowed([make_policy((), (GET,), groups=(ADMIN_PG,))], GET)
    assert not allowed([make_policy(("*",), (GET,))], GET)


def test_ovh_admin_allows_everything():
    policies = [make_policy(groups=(ADMIN_PG,))]
    actions = (GET, EDIT, RANCHER_DELETE, "account:apiovh:iam/policy/create", "account:apiovh:me/get")
    assert run(policies, actions).authorized == actions


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (GET, True),
        (RANCHER_GET, True),
        ("account:apiovh:iam/policy/get", True),
        ("vrackServices:apiovh:resource/task/get", True),
        (EDIT, False),
        (RANCHER_CREATE, False),
        ("account:apiovh:iam/policy/create", False),
        ("publicCloudProject:apiovh:getSomething", False),
        ("publicCloudProject:apiovh:budget", False),  # ends with "get", but not a get segment
    ],
)
def test_ovh_read_only(action, expected):
    assert allowed([make_policy(groups=(READ_PG,))], action) is expected


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (GET, True),
        (EDIT, True),
        (RANCHER_DELETE, True),
        ("account:apiovh:services/get", True),
        ("account:apiovh:iam/policy/create", False),
        ("account:apiovh:iam/policy/get", False),
        ("account:apiovh:me/get", False),
        ("account:apiovh:me/api/credential/delete", False),
    ],
)
def test_ovh_manager(action, expected):
    assert allowed([make_policy(groups=(MANAGER_PG,))], action) is expected


def test_ovh_groups_cannot_be_shadowed():
    shadow = {ADMIN_PG: {"allow": [], "deny": [{"action": "*"}]}, READ_PG: {"allow": [{"action": "*"}]}}
    assert allowed([make_policy(groups=(ADMIN_PG,))], EDIT, permissions_groups=shadow)
    assert not allowed([make_policy(groups=(READ_PG,))], EDIT, permissions_groups=shadow)


def test_ovh_permissions_groups_shape():
    assert set(OVH_PERMISSIONS_GROUPS) == {ADMIN_PG, READ_PG, MANAGER_PG}
    for urn, group in OVH_PERMISSIONS_GROUPS.items():
        assert group["urn"] == urn
        assert isinstance(group["description"], str) and group["description"]
        assert set(group["permissions"]) <= {"allow", "except", "deny"}


# --- expiredAt ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expired_at", "expected"),
    [
        (None, True),
        ("2024-01-01T12:00:01Z", True),
        ("2030-12-31T23:59:59Z", True),
        ("2024-01-01T12:00:00Z", False),  # expired at that very instant
        ("2023-12-31T23:59:59Z", False),
        ("2024-01-01T12:00:00.000001Z", True),
        ("2024-01-01T11:59:59.999999999Z", False),
        ("2024-01-01T12:00:00.5z", True),
        ("2024-01-01T13:00:01+01:00", True),
        ("2024-01-01T13:00:00+01:00", False),
        ("2024-01-01T07:30:01-04:30", True),
        ("2024-01-01T07:29:59-04:30", False),
        ("2024-01-01 12:00:01Z", True),
    ],
)
def test_expired_at(expired_at, expected):
    assert allowed([make_policy(("*",), expired_at=expired_at)]) is expected


def test_expired_at_absent():
    policy = make_policy(("*",))
    del policy["expiredAt"]
    assert allowed([policy])


def test_expired_policy_denies_nothing():
    policies = [make_policy(("*",)), make_policy((), (), ("*",), expired_at="2023-01-01T00:00:00Z")]
    assert allowed(policies, EDIT)


@pytest.mark.parametrize(
    "expired_at",
    [
        "tomorrow",
        "2030-01-01",
        "2030-01-01T00:00:00",  # no offset
        "2030-13-01T00:00:00Z",
        "2030-01-01T00:00:00+25:00",
        "2030-01-01T00:00:00.Z",
        "２０３０-01-01T00:00:00Z",  # non-ASCII digits
        1893456000,
        "",
    ],
)
def test_malformed_expiry_grants_nothing_but_still_denies(expired_at):
    assert not allowed([make_policy(("*",), expired_at=expired_at)])
    policies = [make_policy(("*",)), make_policy((), (), (EDIT,), expired_at=expired_at)]
    assert run(policies, (GET, EDIT)) == Decision((GET,), (EDIT,))


# --- conditions: keys -----------------------------------------------------------------------


def match(values: dict) -> dict:
    return {"operator": "MATCH", "values": values}


def with_condition(conditions: object, **kwargs) -> bool:
    return allowed([make_policy(("*",), conditions=conditions)], **kwargs)


TAGGED = Target(PROJECT, tags={"environment": "production", "team": "platform", "lz:tenant": "demo"})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"resource.Tag(environment)": "production"}, True),
        ({"resource.Tag(environment)": "staging"}, False),
        ({"resource.Tag(environment)": "Production"}, False),
        ({"resource.Tag(environment)": "prod*"}, True),
        ({"resource.Tag(environment)": "*tion"}, True),
        ({"resource.Tag(environment)": "*"}, True),
        ({"resource.Tag(owner)": "*"}, False),  # missing tag
        ({"resource.Tag(lz:tenant)": "demo"}, True),
        ({"resource.Tag(environment)": "production", "resource.Tag(team)": "platform"}, True),
        ({"resource.Tag(environment)": "production", "resource.Tag(team)": "data"}, False),
        ({"resource.Tag(environment).EQ": "production"}, True),
        ({"resource.Tag(environment).IN": "dev,production"}, True),
        ({"resource.Tag(environment).In": "dev, staging"}, False),
    ],
)
def test_condition_resource_tag(values, expected):
    assert with_condition(match(values), target=TAGGED) is expected


@pytest.mark.parametrize(
    ("value", "ip", "expected"),
    [
        ("192.0.2.10", "192.0.2.10", True),
        ("192.0.2.10", "192.0.2.11", False),
        ("192.0.2.0/24", "192.0.2.200", True),
        ("192.0.2.0/24", "192.0.3.1", False),
        ("10.1.2.3/8", "10.200.0.1", True),  # host bits are tolerated
        ("0.0.0.0/0", "203.0.113.7", True),
        ("2001:db8::/32", "2001:db8:1::1", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("::1", "::1", True),
        ("::/0", "127.0.0.1", False),  # mixed families never match
        ("0.0.0.0/0", "::1", False),
        ("10.0.0.0/8", "::ffff:10.1.2.3", True),  # IPv4-mapped caller counts as IPv4
    ],
)
def test_condition_request_ip(value, ip, expected):
    assert with_condition(match({"request.IP": value}), ip=ip) is expected


def test_condition_request_ip_in_list():
    condition = match({"request.IP.IN": "10.0.0.0/8, 192.0.2.0/24"})
    assert with_condition(condition, ip="192.0.2.10")
    assert with_condition(condition, ip="10.9.9.9")
    assert not with_condition(condition, ip="198.51.100.1")


@needs_tzdata
@pytest.mark.parametrize(
    ("key", "value", "now", "expected"),
    [
        ("date(UTC).WeekDay", "monday", "2024-01-01T12:00:00Z", True),
        ("date(UTC).WeekDay", "MONDAY", "2024-01-01T12:00:00Z", True),
        ("date(UTC).WeekDay", "Tuesday", "2024-01-01T12:00:00Z", False),
        ("date(Europe/Paris).WeekDay", "monday", "2024-01-01T22:59:59Z", True),
        ("date(Europe/Paris).WeekDay", "tuesday", "2024-01-01T23:00:00Z", True),  # midnight in Paris
        ("date(Asia/Tokyo).WeekDay", "tuesday", "2024-01-01T20:00:00Z", True),
        ("date(Asia/Tokyo).WeekDay", "monday", "2024-01-01T20:00:00Z", False),
        ("date(America/Los_Angeles).WeekDay", "sunday", "2024-01-01T05:00:00Z", True),
        (
            "date(Europe/Paris).WeekDay.In",
            "monday,tuesday,wednesday,thursday,friday",
            "2024-01-01T12:00:00Z",
            True,
        ),
        ("date(Europe/Paris).WeekDay.IN", "Saturday,Sunday", "2024-01-01T12:00:00Z", False),
        ("date(Europe/Paris).WeekDay.IN", "Saturday,Sunday", "2024-01-06T12:00:00Z", True),
    ],
)
def test_condition_weekday(key, value, now, expected):
    epoch = datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()
    assert with_condition(match({key: value}), now=epoch) is expected


# --- conditions: operators ------------------------------------------------------------------

PROD = {"resource.Tag(environment)": "production"}
STAGING = {"resource.Tag(environment)": "staging"}
PLATFORM = {"resource.Tag(team)": "platform"}
OFFICE = {"request.IP": "192.0.2.0/24"}  # the caller's IP in these tests is 192.0.2.10
ELSEWHERE = {"request.IP": "198.51.100.0/24"}


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (None, True),
        (match({**PROD, **OFFICE}), True),
        (match({**PROD, **ELSEWHERE}), False),
        ({"operator": "AND", "conditions": [match(PROD), match(OFFICE)]}, True),
        ({"operator": "AND", "conditions": [match(PROD), match(ELSEWHERE)]}, False),
        ({"operator": "AND", "values": {**PROD, **PLATFORM}}, True),
        ({"operator": "AND", "values": PROD, "conditions": [match(ELSEWHERE)]}, False),
        ({"operator": "AND", "values": STAGING, "conditions": [match(OFFICE)]}, False),
        ({"operator": "OR", "conditions": [match(STAGING), match(OFFICE)]}, True),
        ({"operator": "OR", "conditions": [match(STAGING), match(ELSEWHERE)]}, False),
        ({"operator": "OR", "values": {**STAGING, **OFFICE}}, True),
        ({"operator": "OR", "values": {**STAGING, **ELSEWHERE}}, False),
        ({"operator": "OR", "values": STAGING, "conditions": [match(OFFICE)]}, True),
        ({"operator": "OR", "values": PROD, "conditions": [match(ELSEWHERE)]}, True),
        ({"operator": "NOT", "conditions": [match(STAGING)]}, True),
        ({"operator": "NOT", "conditions": [match(PROD)]}, False),
        ({"operator": "NOT", "values": STAGING}, True),
        ({"operator": "NOT", "values": PROD}, False),
        ({"operator": "NOT", "values": {**PROD, **ELSEWHERE}}, True),  # not (all of them)
        ({"operator": "NOT", "conditions": [{"operator": "NOT", "conditions": [match(PROD)]}]}, True),
        # three levels: (prod and platform) or not from the office
        (
            {
                "operator": "OR",
                "conditions": [
                    {"operator": "AND", "conditions": [match(PROD), match(PLATFORM)]},
                    {"operator": "NOT", "conditions": [match(OFFICE)]},
                ],
            },
            True,
        ),
        (
            {
                "operator": "OR",
                "conditions": [
                    {"operator": "AND", "conditions": [match(STAGING), match(PLATFORM)]},
                    {"operator": "NOT", "conditions": [match(OFFICE)]},
                ],
            },
            False,
        ),
        (
            {
                "operator": "AND",
                "conditions": [
                    {"operator": "OR", "conditions": [match(STAGING), match(PLATFORM)]},
                    {"operator": "NOT", "values": ELSEWHERE},
                ],
            },
            True,
        ),
    ],
)
def test_condition_operators(conditions, expected):
    assert with_condition(conditions, target=TAGGED) is expected


def test_conditions_do_not_restrict_other_policies():
    policies = [make_policy((GET,)), make_policy(("*",), conditions=match(STAGING))]
    assert run(policies, (GET, EDIT), target=TAGGED) == Decision((GET,), (EDIT,))


def test_unmet_conditions_disable_a_deny():
    policies = [make_policy(("*",)), make_policy((), (), ("*",), conditions=match(STAGING))]
    assert allowed(policies, EDIT, target=TAGGED)
    policies = [make_policy(("*",)), make_policy((), (), ("*",), conditions=match(PROD))]
    assert not allowed(policies, EDIT, target=TAGGED)


# --- conditions: fail closed ----------------------------------------------------------------

MALFORMED = [
    match({"resource.Name": "x"}),
    match({"request.Time": "12:00"}),
    match({"resource.Tag(environment).STARTS_WITH": "prod"}),
    match({"resource.Tag()": "x"}),
    match({"request.IP": "not-an-ip"}),
    match({"request.IP": "192.0.2.0/33"}),
    match({"request.IP.IN": "10.0.0.0/8,"}),
    match({"date(Nowhere/Atlantis).WeekDay": "monday"}),
    match({"date(../../etc/passwd).WeekDay": "monday"}),
    match({"date(UTC).WeekDay": "funday"}),
    match({"date(UTC).WeekDay": "mon"}),
    match({"resource.Tag(environment)": 1}),
    {"operator": "XOR", "values": PROD},
    {"operator": "match", "values": PROD},  # operators are upper case
    {"values": PROD},
    {"operator": "MATCH", "values": PROD, "conditions": [match(PROD)]},
    {"operator": "NOT", "conditions": [match(STAGING), match(STAGING)]},
    {"operator": "NOT", "values": STAGING, "conditions": [match(STAGING)]},
    {"operator": "NOT"},
    {"operator": "AND", "values": ["resource.Tag(environment)"]},
    {"operator": "AND", "conditions": match(PROD)},
    {"operator": "AND", "conditions": [None]},
    [match(PROD)],
    "MATCH",
    # saying nothing, or something misspelt, is not "no restriction" (issue #14)
    match({}),
    {"operator": "MATCH"},
    {"operator": "MATCH", "value": PROD},
    {"operator": "AND", "conditions": []},
    {"operator": "AND"},
    {"operator": "OR", "conditions": []},
    {"operator": "OR"},
    {"operator": "AND", "values": PROD, "condition": [match(STAGING)]},
]


@pytest.mark.parametrize("conditions", MALFORMED)
def test_malformed_conditions_grant_nothing(conditions):
    assert not with_condition(conditions, target=TAGGED)
    # not even when negated, nor when hidden in an OR whose other branch holds
    assert not with_condition({"operator": "NOT", "conditions": [conditions]}, target=TAGGED)
    assert not with_condition({"operator": "OR", "conditions": [match(PROD), conditions]}, target=TAGGED)
    assert check_conditions(conditions)


@pytest.mark.parametrize("conditions", MALFORMED[:3])
def test_malformed_conditions_still_deny(conditions):
    policies = [make_policy(("*",)), make_policy((), (), (EDIT,), conditions=conditions)]
    assert run(policies, (GET, EDIT), target=TAGGED) == Decision((GET,), (EDIT,))


def test_invalid_caller_ip_fails_closed():
    assert not with_condition(match(OFFICE), ip="garbage")
    assert not with_condition({"operator": "NOT", "values": ELSEWHERE}, ip="garbage")
    assert with_condition(match(PROD), ip="garbage", target=TAGGED)  # no IP condition, no issue


def test_check_conditions_accepts_valid_trees():
    assert check_conditions(None) is None
    assert check_conditions(match({**PROD, **OFFICE, "request.IP.In": "::1,10.0.0.0/8"})) is None
    nested = {"operator": "OR", "conditions": [{"operator": "NOT", "values": PROD}, match(OFFICE)]}
    assert check_conditions(nested) is None
    reason = check_conditions(match({"resource.Name": "x"}))
    assert isinstance(reason, str) and "resource.Name" in reason


@needs_tzdata
def test_check_conditions_accepts_time_zones():
    assert check_conditions(match({"date(Europe/Paris).WeekDay.In": "monday,friday"})) is None
    assert check_conditions(match({"date(Europe/Nowhere).WeekDay": "monday"}))
