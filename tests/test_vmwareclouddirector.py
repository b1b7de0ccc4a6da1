"""/v2/vmwareCloudDirector through the HTTP surface: what an order delivers, updates through
tasks, the backup's offers, bad inputs, accounts kept apart and IAM on organizations."""

from __future__ import annotations

import pytest
from conftest import ACCOUNT
from test_reference_iam import ALICE, _policy, user_client

pytestmark = pytest.mark.anyio

BASE = "/v2/vmwareCloudDirector"
MISSING_UUID = "00000000-0000-4000-8000-000000000000"


class Delivered:
    """The paths of what one order delivered."""

    def __init__(self, out: list[dict]):
        by_kind = {d["kind"].split(".")[1]: d for d in out}
        self.out = out
        self.org_id = by_kind["organization"]["id"]
        self.org = by_kind["organization"]["path"]
        self.vdc_id = by_kind["virtualDataCenter"]["id"]
        self.vdc = by_kind["virtualDataCenter"]["path"]
        self.compute = by_kind["compute"]["path"]
        self.storage = by_kind["storage"]["path"]
        self.backup_id = by_kind["backup"]["id"]
        self.backup = by_kind["backup"]["path"]


async def deliver(app, account: str = ACCOUNT) -> Delivered:
    return Delivered(await app.state.ctx.provision("vmwareCloudDirector", account))


@pytest.fixture
async def order(app) -> Delivered:
    return await deliver(app)


async def step_by_step(ctx, each) -> int:
    """Run the engine one transition per pass, calling `each(passes)` after every pass; return
    how many passes moved. The clock jumps an hour before each pass, past any step's duration,
    so each pass ends exactly the running step, however fast the calls in between are."""
    clock, saved = ctx.clock, ctx.clock.scale
    now = [clock.now()]
    clock.now, clock.scale = (lambda: now[0]), 1.0
    passes = 0
    try:
        while True:
            now[0] += 3600
            if not await ctx.engine.run_due():
                return passes
            passes += 1
            await each(passes)
    finally:
        del clock.now
        clock.scale = saved


async def _json(client, method: str, url: str, status: int = 200, **kw):
    r = await client.request(method, url, **kw)
    assert r.status_code == status, f"{method} {url} -> {r.status_code} {r.text}"
    return r.json()


# --- what an order delivers --------------------------------------------------------------


async def test_an_order_delivers_an_organization_its_datacenter_and_its_backup(app, client, order):
    assert [d["kind"] for d in order.out] == [
        "vmwareCloudDirector.organization",
        "vmwareCloudDirector.virtualDataCenter",
        "vmwareCloudDirector.compute",
        "vmwareCloudDirector.storage",
        "vmwareCloudDirector.backup",
    ]
    assert order.out[0]["urn"] == f"urn:v1:eu:resource:vmwareCloudDirector:{order.org_id}"
    assert order.backup_id == f"{order.org_id}-veeam-backup"
    assert order.out[4]["urn"] == f"urn:v1:eu:resource:vmwareCloudDirectorBackup:{order.backup_id}"

    org = await _json(client, "GET", order.org)
    assert org["resourceStatus"] == "READY" and org["currentTasks"] == []
    assert (
        org["iam"]["urn"] == order.out[0]["urn"]
        and org["iam"]["displayName"] == org["targetSpec"]["fullName"]
    )
    state = org["currentState"]
    region = state["region"]
    assert order.org_id.startswith(f"org-{region}-") and state["name"] == order.org_id
    assert state["fullName"] == org["targetSpec"]["fullName"] and state["billingType"] == "MONTHLY"
    assert state["apiUrl"].startswith("https://") and order.org_id in state["webInterfaceUrl"]
    assert "createdAt" not in org, "the reference's organization has no createdAt"

    vdc = await _json(client, "GET", order.vdc)
    assert vdc["resourceStatus"] == "READY" and vdc["currentState"]["region"] == region
    assert (
        vdc["iam"]["urn"]
        == f"urn:v1:eu:resource:vmwareCloudDirector:{order.org_id}/virtualDataCenter/{order.vdc_id}"
    )
    compute = await _json(client, "GET", order.compute)
    storage = await _json(client, "GET", order.storage)
    for plain in (compute, storage):
        assert plain["resourceStatus"] == "READY"
        assert not {"targetSpec", "checksum", "createdAt", "iam"} & set(plain), plain
    assert vdc["currentState"]["vCPUCount"] == compute["currentState"]["vCPUCount"]
    assert vdc["currentState"]["memoryQuota"] == compute["currentState"]["memoryQuota"]
    assert vdc["currentState"]["storageQuota"] == storage["currentState"]["capacity"]
    assert await _json(client, "GET", f"{order.vdc}/compute") == [compute]
    assert await _json(client, "GET", f"{order.vdc}/storage") == [storage]

    backup = await _json(client, "GET", order.backup)
    assert backup["resourceStatus"] == "READY"
    assert backup["currentState"]["azName"] == f"{region}-a"
    [offer] = backup["currentState"]["offers"]
    assert (
        offer["name"] == "BRONZE"
        and offer["status"] == "READY"
        and offer["protectionPrimaryRegion"] == region
    )

    for url in (order.org, order.backup):
        assert await _json(client, "GET", f"{url}/task") == []
        [event] = await _json(client, "GET", f"{url}/event")
        assert event["type"] == "TARGET_SPEC_UPDATE" and event["kind"].endswith("_DELIVERY")
    assert [o["id"] for o in await _json(client, "GET", f"{BASE}/organization")] == [order.org_id]
    assert [b["id"] for b in await _json(client, "GET", f"{BASE}/backup")] == [order.backup_id]

    # The IAM section knows both as resources of the account.
    urns = {r["urn"] for r in await _json(client, "GET", "/v2/iam/resource")}
    assert {order.out[0]["urn"], order.out[4]["urn"]} <= urns


async def test_the_product_is_known_to_provisioning(app):
    with pytest.raises(LookupError, match="vmwareCloudDirector"):
        await app.state.ctx.provision("vmwareCloudDirectr", ACCOUNT)


# --- updates through tasks -----------------------------------------------------------------


async def test_organization_update_goes_through_a_task_to_ready(client, settle, order):
    org = await _json(client, "GET", order.org)
    spec = {"fullName": "Acme production", "description": "Main organization"}
    updated = await _json(client, "PUT", order.org, json={"checksum": org["checksum"], "targetSpec": spec})
    assert updated["resourceStatus"] == "UPDATING" and updated["checksum"] != org["checksum"]
    [ref] = updated["currentTasks"]
    assert ref["status"] == "PENDING" and ref["type"] == "ORGANIZATION_UPDATE"
    task = await _json(client, "GET", f"{order.org}/task/{ref['id']}")
    assert [p["name"] for p in task["progress"]] == [
        "Update organization details",
        "Synchronise VMware Cloud Director",
    ]

    busy = await client.put(order.org, json={"targetSpec": {"fullName": "other"}})
    assert busy.status_code == 423 and busy.json()["class"] == "Client::Locked::OrganizationLocked"

    await settle()
    got = await _json(client, "GET", order.org)
    assert got["resourceStatus"] == "READY" and got["currentTasks"] == []
    assert (
        got["currentState"]["fullName"] == "Acme production"
        and got["currentState"]["description"] == "Main organization"
    )
    assert got["iam"]["displayName"] == "Acme production"
    assert [e["type"] for e in await _json(client, "GET", f"{order.org}/event")] == [
        "TASK_SUCCESS",
        "TASK_START",
        "TARGET_SPEC_UPDATE",
        "TARGET_SPEC_UPDATE",
    ]
    [done] = await _json(client, "GET", f"{order.org}/task")
    assert done["status"] == "DONE" and done["finishedAt"]

    stale = await client.put(
        order.org, json={"checksum": org["checksum"], "targetSpec": {"fullName": "late"}}
    )
    assert (
        stale.status_code == 412 and stale.json()["class"] == "Client::PreconditionFailed::ChecksumMismatch"
    )
    again = await _json(
        client, "PUT", order.org, json={"checksum": got["checksum"], "targetSpec": got["targetSpec"]}
    )
    assert again["resourceStatus"] == "READY", "the same target again is a no-op"
    assert len(await _json(client, "GET", f"{order.org}/task")) == 1


async def test_datacenter_update_plans_only_what_changed(client, settle, order):
    vdc = await _json(client, "GET", order.vdc)
    spec = {**vdc["targetSpec"], "vCPUSpeed": 3}
    updated = await _json(client, "PUT", order.vdc, json={"checksum": vdc["checksum"], "targetSpec": spec})
    assert updated["resourceStatus"] == "UPDATING" and updated["targetSpec"]["vCPUSpeed"] == 3
    task = await _json(client, "GET", f"{order.vdc}/task/{updated['currentTasks'][0]['id']}")
    assert task["type"] == "VIRTUAL_DATACENTER_UPDATE"
    assert [p["name"] for p in task["progress"]] == ["Apply vCPU speed"]
    await settle()
    got = await _json(client, "GET", order.vdc)
    assert got["resourceStatus"] == "READY" and got["currentState"]["vCPUSpeed"] == 3
    assert got["currentState"]["description"] == vdc["currentState"]["description"]

    spec = {"description": "Renamed", "vCPUSpeed": 2.4}
    updated = await _json(client, "PUT", order.vdc, json={"targetSpec": spec})
    task = await _json(client, "GET", f"{order.vdc}/task/{updated['currentTasks'][0]['id']}")
    assert [p["name"] for p in task["progress"]] == ["Update description", "Apply vCPU speed"]
    await settle()
    got = await _json(client, "GET", order.vdc)
    assert {k: got["currentState"][k] for k in spec} == spec
    assert len(await _json(client, "GET", f"{order.vdc}/task")) == 2


async def test_backup_offers_are_enabled_resized_and_removed_step_by_step(app, client, settle, order):
    backup = await _json(client, "GET", order.backup)
    region = backup["currentState"]["offers"][0]["protectionPrimaryRegion"]
    spec = {"offers": [{"name": "BRONZE", "quotaInTB": 5}, {"name": "GOLD", "quotaInTB": 2}]}
    updated = await _json(
        client, "PUT", order.backup, json={"checksum": backup["checksum"], "targetSpec": spec}
    )
    assert updated["resourceStatus"] == "UPDATING"
    task = await _json(client, "GET", f"{order.backup}/task/{updated['currentTasks'][0]['id']}")
    assert [p["name"] for p in task["progress"]] == [
        "Check target specification",
        "Enable GOLD offer",
        "Resize BRONZE repository",
        "Update backup jobs",
    ]

    seen = []

    async def look(_):
        got = await _json(client, "GET", order.backup)
        seen.append({o["name"]: o["status"] for o in got["currentState"]["offers"]})

    assert await step_by_step(app.state.ctx, look) == 1 + 4  # the task starts, then each of its 4 steps
    assert {"BRONZE": "UPDATING", "GOLD": "CREATING"} in seen, seen
    assert {"BRONZE": "UPDATING", "GOLD": "READY"} in seen, seen
    got = await _json(client, "GET", order.backup)
    assert got["resourceStatus"] == "READY"
    offers = {o["name"]: o for o in got["currentState"]["offers"]}
    assert offers["BRONZE"]["quotaInTB"] == 5 and offers["GOLD"]["quotaInTB"] == 2
    assert offers["GOLD"]["protectionReplicatedRegion"] not in (None, region)
    assert offers["BRONZE"]["protectionReplicatedRegion"] is None

    spec = {"offers": [{"name": "GOLD", "quotaInTB": 2}]}
    updated = await _json(client, "PUT", order.backup, json={"checksum": got["checksum"], "targetSpec": spec})
    task = await _json(client, "GET", f"{order.backup}/task/{updated['currentTasks'][0]['id']}")
    assert [p["name"] for p in task["progress"]] == [
        "Check target specification",
        "Remove BRONZE offer",
        "Update backup jobs",
    ]
    await settle()
    got = await _json(client, "GET", order.backup)
    assert [o["name"] for o in got["currentState"]["offers"]] == ["GOLD"]
    assert {e["kind"] for e in await _json(client, "GET", f"{order.backup}/event")} >= {
        "BACKUP_UPDATE",
        "BACKUP_DELIVERY",
    }


async def test_password_reset_answers_null_and_orderable_resources_follow_the_range(client, order):
    r = await client.post(f"{order.org}/password")
    assert r.status_code == 200 and r.json() is None
    orderable = await _json(client, "GET", f"{order.vdc}/orderableResource")
    assert orderable["compute"] and orderable["storage"]
    assert all(s["type"] != "vsan" for s in orderable["storage"]), (
        "vSAN storage is for the VSAN-NSX range only"
    )
    regions = await _json(client, "GET", f"{BASE}/reference/region")
    vdc = await _json(client, "GET", order.vdc)
    assert vdc["currentState"]["region"] in {r["region"] for r in regions}


# --- bad inputs --------------------------------------------------------------------------

BAD = [
    # (method, where, body, status, class, field)
    ("PUT", "org", {}, 400, "InvalidInput", "targetSpec"),
    ("PUT", "org", {"targetSpec": {}}, 400, "InvalidInput", "targetSpec.fullName"),
    ("PUT", "org", {"targetSpec": {"fullName": "  "}}, 400, "InvalidInput", "targetSpec"),
    ("PUT", "org", {"targetSpec": {"fullName": "x" * 129}}, 400, "InvalidInput", "targetSpec"),
    ("PUT", "org", {"targetSpec": {"fullName": "a", "name": "b"}}, 400, "InvalidInput", "targetSpec.name"),
    ("PUT", "org", {"targetSpec": {"fullName": 3}}, 400, "InvalidInput", "targetSpec.fullName"),
    ("PUT", "org", {"checksum": "nope", "targetSpec": {"fullName": "a"}}, 400, "ChecksumBadFormat", None),
    ("PUT", "org", {"checksum": "0" * 32, "targetSpec": {"fullName": "a"}}, 412, "ChecksumMismatch", None),
    ("PUT", "vdc", {"targetSpec": {"vCPUSpeed": 2}}, 400, "InvalidInput", "targetSpec.description"),
    ("PUT", "vdc", {"targetSpec": {"description": "d"}}, 400, "InvalidInput", "targetSpec.vCPUSpeed"),
    ("PUT", "vdc", {"targetSpec": {"description": "d", "vCPUSpeed": 0.5}}, 400, "InvalidInput", "targetSpec"),
    ("PUT", "vdc", {"targetSpec": {"description": "d", "vCPUSpeed": 9}}, 400, "InvalidInput", "targetSpec"),
    (
        "PUT",
        "vdc",
        {"targetSpec": {"description": "d", "vCPUSpeed": "fast"}},
        400,
        "InvalidInput",
        "targetSpec.vCPUSpeed",
    ),
    ("PUT", "backup", {"targetSpec": {"offers": []}}, 400, "InvalidInput", "targetSpec"),
    (
        "PUT",
        "backup",
        {"targetSpec": {"offers": [{"name": "GOLD", "quotaInTB": 1}] * 2}},
        400,
        "InvalidInput",
        "targetSpec",
    ),
    (
        "PUT",
        "backup",
        {"targetSpec": {"offers": [{"name": "PLATINUM", "quotaInTB": 1}]}},
        400,
        "InvalidInput",
        "targetSpec.offers[0].name",
    ),
    (
        "PUT",
        "backup",
        {"targetSpec": {"offers": [{"name": "GOLD", "quotaInTB": 0}]}},
        400,
        "InvalidInput",
        "targetSpec.offers[0]",
    ),
    (
        "PUT",
        "backup",
        {"targetSpec": {"offers": [{"name": "GOLD", "quotaInTB": 101}]}},
        400,
        "InvalidInput",
        "targetSpec.offers[0]",
    ),
    (
        "PUT",
        "backup",
        {"targetSpec": {"offers": [{"name": "GOLD"}]}},
        400,
        "InvalidInput",
        "targetSpec.offers[0].quotaInTB",
    ),
    ("PUT", "backup", b"{not json", 400, "InvalidJSON", None),
    # routes the reference does not have
    ("POST", "orgs", {"targetSpec": {"fullName": "a"}}, 405, None, None),
    ("DELETE", "org", None, 405, None, None),
    ("DELETE", "backup", None, 405, None, None),
    ("PUT", "compute", {"targetSpec": {}}, 405, None, None),
    ("GET", "vdc/event", None, 404, "RouteNotFound", None),
    # malformed and unknown identifiers
    ("GET", "vdc/compute/not-a-uuid", None, 400, "InvalidParameter", None),
    ("GET", "org/task/not-a-uuid", None, 400, "InvalidParameter", None),
    ("GET", f"org/task/{MISSING_UUID}", None, 404, "TaskNotFound", None),
    ("GET", f"vdc/storage/{MISSING_UUID}", None, 404, "StorageNotFound", None),
    ("GET", "missing-org", None, 404, "OrganizationNotFound", None),
    ("POST", "missing-org/password", None, 404, "OrganizationNotFound", None),
    ("GET", "missing-backup", None, 404, "BackupNotFound", None),
    ("GET", "vdc-under-missing-org", None, 404, "VirtualDataCenterNotFound", None),
    ("GET", "missing-vdc/orderableResource", None, 404, "VirtualDataCenterNotFound", None),
]


def _url(order: Delivered, where: str) -> str:
    head, _, rest = where.partition("/")
    base = {
        "org": order.org,
        "vdc": order.vdc,
        "backup": order.backup,
        "compute": order.compute,
        "orgs": f"{BASE}/organization",
        "missing-org": f"{BASE}/organization/org-eu-west-rbx-{MISSING_UUID}",
        "missing-backup": f"{BASE}/backup/org-eu-west-rbx-{MISSING_UUID}-veeam-backup",
        "vdc-under-missing-org": f"{BASE}/organization/org-eu-west-rbx-{MISSING_UUID}/virtualDataCenter/{order.vdc_id}",
        "missing-vdc": f"{order.org}/virtualDataCenter/vdc-eu-west-rbx-{MISSING_UUID}",
    }[head]
    return f"{base}/{rest}" if rest else base


@pytest.mark.parametrize(
    ("method", "where", "body", "status", "cls", "field"), BAD, ids=[f"{b[0]} {b[1]} {b[3]}" for b in BAD]
)
async def test_bad_inputs_are_refused_and_change_nothing(
    client, order, method, where, body, status, cls, field
):
    before = {url: (await client.get(url)).json() for url in (order.org, order.vdc, order.backup)}
    kw = {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, bytes) else {}
    if isinstance(body, dict):
        kw["json"] = body
    r = await client.request(method, _url(order, where), **kw)
    assert r.status_code == status, r.text
    answer = r.json()
    assert isinstance(answer, dict) and answer["class"].startswith("Client::") and answer["message"], answer
    if cls:
        assert answer["class"].endswith(f"::{cls}"), answer
    if field:
        assert answer["details"]["field"] == field, answer
    after = {url: (await client.get(url)).json() for url in before}
    assert after == before


# --- accounts and IAM ----------------------------------------------------------------------


async def test_accounts_see_only_what_they_were_delivered(app, client, credentials, connect, order):
    other_order = await deliver(app, "yy2222-ovh")
    other = connect(await credentials("yy2222-ovh"))
    for who, mine, theirs in ((client, order, other_order), (other, other_order, order)):
        assert [o["id"] for o in await _json(who, "GET", f"{BASE}/organization")] == [mine.org_id]
        assert [b["id"] for b in await _json(who, "GET", f"{BASE}/backup")] == [mine.backup_id]
        for url in (
            theirs.org,
            theirs.vdc,
            theirs.compute,
            theirs.storage,
            theirs.backup,
            f"{theirs.org}/task",
            f"{theirs.backup}/event",
            f"{theirs.vdc}/compute",
            f"{theirs.vdc}/orderableResource",
        ):
            r = await who.get(url)
            assert r.status_code == 404 and r.json()["class"].startswith("Client::NotFound::"), (url, r.text)
        assert (await who.put(theirs.org, json={"targetSpec": {"fullName": "mine"}})).status_code == 404
        assert (
            await who.put(theirs.backup, json={"targetSpec": {"offers": [{"name": "GOLD", "quotaInTB": 1}]}})
        ).status_code == 404
        assert (await who.post(f"{theirs.org}/password")).status_code == 404
    # A datacenter is reachable only under its own organization.
    crossed = f"{order.org}/virtualDataCenter/{other_order.vdc_id}"
    assert (await client.get(crossed)).status_code == 404


async def test_a_user_gets_only_what_policies_grant_on_an_organization(
    app, client, credentials, connect, order
):
    second = await deliver(app)
    alice = await user_client(client, credentials, connect)
    assert await _json(alice, "GET", f"{BASE}/organization") == []
    readable = (
        "vmwareCloudDirector:apiovh:organization/get",
        "vmwareCloudDirector:apiovh:organization/virtualDataCenter/get",
    )
    policy = _policy(
        "vcd-read", [f"urn:v1:eu:resource:vmwareCloudDirector:{order.org_id}"], readable, identities=(ALICE,)
    )
    await _json(client, "POST", "/v2/iam/policy", json=policy)

    assert [o["id"] for o in await _json(alice, "GET", f"{BASE}/organization")] == [order.org_id]
    await _json(alice, "GET", order.org)
    await _json(alice, "GET", order.vdc)
    refused = await alice.put(order.org, json={"targetSpec": {"fullName": "mine"}})
    assert refused.status_code == 403
    assert (
        refused.json()["details"]["unauthorizedActionsByIAM"]
        == "vmwareCloudDirector:apiovh:organization/edit"
    )
    assert (await alice.get(f"{order.vdc}/compute")).status_code == 403
    assert (await alice.post(f"{order.org}/password")).status_code == 403
    assert (await alice.get(second.org)).status_code == 403
    assert await _json(alice, "GET", f"{BASE}/backup") == []
