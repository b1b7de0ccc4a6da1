"""vrackServices through the HTTP surface: orders, every operation, the rules of a target spec,
managed services, and isolation between accounts."""

from __future__ import annotations

import pytest
from conftest import ACCOUNT

from convergent.engine.orders import Order
from convergent.sections.vrackservices import provision_storage

pytestmark = pytest.mark.anyio

BASE = "/v2/vrackServices/resource"
EMPTY = "d41d8cd98f00b204e9800998ecf8427e"


async def order_vrack_services(app, account=ACCOUNT) -> str:
    [delivered] = await app.state.ctx.provision("vrackServices", account)
    return delivered["id"]


async def order_storage(app, account=ACCOUNT, **kw) -> str:
    order = Order(app.state.ctx.changes, account)
    await provision_storage(order, **kw)
    return f"urn:v1:eu:resource:storageNetApp:{order.delivered[0].id}"


def subnet(endpoints=(), cidr="10.120.0.0/24", service_range="10.120.0.0/29", vlan=2, **extra) -> dict:
    out = {
        "cidr": cidr,
        "serviceEndpoints": [{"managedServiceURN": u} for u in endpoints],
        "serviceRange": {"cidr": service_range},
        "vlan": vlan,
    }
    return {**out, **extra}


async def put(client, id, subnets, checksum=None):
    if checksum is None:
        checksum = (await client.get(f"{BASE}/{id}")).json()["checksum"]
    return await client.put(f"{BASE}/{id}", json={"checksum": checksum, "targetSpec": {"subnets": subnets}})


# --- orders ----------------------------------------------------------------------------------


async def test_an_order_delivers_a_ready_vrack_services(app, client):
    delivered = await app.state.ctx.provision("vrackServices", ACCOUNT)
    [item] = delivered
    assert item["kind"] == "vrackServices.vrackServices"
    assert item["urn"] == f"urn:v1:eu:resource:vrackServices:{item['id']}"
    body = (await client.get(f"{BASE}/{item['id']}")).json()
    assert body["checksum"] == EMPTY
    assert body["resourceStatus"] == "READY" and body["currentTasks"] == []
    assert body["targetSpec"] == {"subnets": []}
    assert body["currentState"] == {
        "productStatus": "DRAFT",
        "region": "eu-west-lim",
        "subnets": [],
        "vrackId": None,
    }
    assert body["iam"]["urn"] == item["urn"] and body["iam"]["displayName"] == item["id"]
    assert len(item["id"]) == 19 and item["id"].startswith("vrs-a")
    listed = (await client.get("/v2/iam/resource")).json()
    assert item["urn"] in [r["urn"] for r in listed]


async def test_no_create_delete_or_event_route(app, client):
    id = await order_vrack_services(app)
    assert (await client.post(BASE, json={"targetSpec": {"subnets": []}})).status_code == 405
    assert (await client.delete(f"{BASE}/{id}")).status_code == 405
    assert (await client.get(f"{BASE}/{id}/event")).status_code == 404


# --- references ------------------------------------------------------------------------------


async def test_references(client):
    assert (await client.get("/v2/vrackServices/reference/compatibleManagedServiceType")).json() == [
        "storageNetApp"
    ]
    regions = (await client.get("/v2/vrackServices/reference/region")).json()
    assert {"name": "eu-west-lim"} in regions
    r = await client.get("/v2/vrackServices/reference/region", headers={"X-Pagination-Size": "1"})
    assert len(r.json()) == 1 and r.headers["X-Pagination-Cursor-Next"]


# --- list, get, update, tasks ----------------------------------------------------------------


async def test_list_pages_through_every_vrack_services(app, client):
    ids = [await order_vrack_services(app) for _ in range(3)]
    assert [v["id"] for v in (await client.get(BASE)).json()] == ids
    seen, headers = [], {"X-Pagination-Size": "2"}
    while True:
        r = await client.get(BASE, headers=headers)
        seen += [v["id"] for v in r.json()]
        if "X-Pagination-Cursor-Next" not in r.headers:
            break
        headers = {**headers, "X-Pagination-Cursor": r.headers["X-Pagination-Cursor-Next"]}
    assert seen == ids


async def test_iam_tags_filter_the_list(app, client):
    tagged, plain = await order_vrack_services(app), await order_vrack_services(app)
    urn = f"urn:v1:eu:resource:vrackServices:{tagged}"
    r = await client.put(f"/v2/iam/resource/{urn}", json={"tags": {"env": "prod"}})
    assert r.status_code == 200, r.text
    found = (await client.get(BASE, params={"iamTags": '{"env":[{"operator":"EQ","value":"prod"}]}'})).json()
    assert [v["id"] for v in found] == [tagged]
    found = (await client.get(BASE, params={"iamTags": '{"env":[{"operator":"NEXISTS"}]}'})).json()
    assert [v["id"] for v in found] == [plain]
    bad = await client.get(BASE, params={"iamTags": "nope"})
    assert bad.status_code == 400


async def test_a_subnet_with_service_endpoints_is_built_step_by_step(app, client, settle):
    id = await order_vrack_services(app)
    efs = [await order_storage(app) for _ in range(2)]
    r = await put(client, id, [subnet(efs, displayName="My.Subnet")], checksum=EMPTY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resourceStatus"] == "UPDATING" and body["checksum"] != EMPTY
    [current] = body["currentTasks"]
    assert current["type"] == "VrackServicesUpdate" and current["status"] == "PENDING"
    task = (await client.get(current["link"])).json()
    assert [p["name"] for p in task["progress"]] == [
        "Check target specification",
        "Create subnets",
        "Create service endpoints",
    ]

    await settle()
    ready = (await client.get(f"{BASE}/{id}")).json()
    assert ready["resourceStatus"] == "READY" and ready["currentTasks"] == []
    [got] = ready["currentState"]["subnets"]
    assert got["cidr"] == "10.120.0.0/24" and got["vlan"] == 2 and got["displayName"] == "My.Subnet"
    assert got["serviceRange"] == {"cidr": "10.120.0.0/29", "remainingIps": 1, "reservedIps": 5, "usedIps": 2}
    assert [e["managedServiceURN"] for e in got["serviceEndpoints"]] == efs
    assert [e["endpoints"][0]["ip"] for e in got["serviceEndpoints"]] == ["10.120.0.4", "10.120.0.5"]

    # A new display name and one endpoint less: applied in place, the other address kept.
    r = await put(client, id, [subnet(efs[1:], displayName="renamed")])
    task = (await client.get(r.json()["currentTasks"][0]["link"])).json()
    assert [p["name"] for p in task["progress"]] == [
        "Check target specification",
        "Delete service endpoints",
        "Update subnets",
    ]
    await settle()
    [got] = (await client.get(f"{BASE}/{id}")).json()["currentState"]["subnets"]
    assert got["displayName"] == "renamed"
    assert [(e["managedServiceURN"], e["endpoints"][0]["ip"]) for e in got["serviceEndpoints"]] == [
        (efs[1], "10.120.0.5")
    ]

    # Another VLAN is another subnet: deleted and created again.
    r = await put(client, id, [subnet(efs[1:], vlan=None, displayName="renamed")])
    task = (await client.get(r.json()["currentTasks"][0]["link"])).json()
    assert [p["name"] for p in task["progress"]] == [
        "Check target specification",
        "Delete service endpoints",
        "Delete subnets",
        "Create subnets",
        "Create service endpoints",
    ]
    await settle()
    ready = (await client.get(f"{BASE}/{id}")).json()
    assert ready["currentState"]["subnets"][0]["vlan"] is None

    tasks = (await client.get(f"{BASE}/{id}/task")).json()
    assert len(tasks) == 3 and all(t["status"] == "DONE" for t in tasks)
    assert (await client.get(f"{BASE}/{id}/task/{tasks[-1]['id']}")).json() == tasks[-1]

    r = await put(client, id, [])
    await settle()
    ready = (await client.get(f"{BASE}/{id}")).json()
    assert ready["checksum"] == EMPTY and ready["currentState"]["subnets"] == []


async def test_steps_take_their_time_unless_instant(app, client):
    from convergent.sections.vrackservices.resource import STEPS

    assert all(seconds > 0 for seconds in STEPS.values())
    id = await order_vrack_services(app)
    r = await put(client, id, [subnet()], checksum=EMPTY)
    task = (await app.state.ctx.store.list_tasks("vrackServices.vrackServices", id, None, 10))[0]
    assert [s["seconds"] for s in task.steps] == [
        STEPS["Check target specification"],
        STEPS["Create subnets"],
    ]
    assert r.json()["resourceStatus"] == "UPDATING"


async def test_missing_task_is_the_references_400(app, client):
    id = await order_vrack_services(app)
    missing = "00000000-0000-4000-8000-000000000000"
    r = await client.get(f"{BASE}/{id}/task/{missing}")
    assert r.status_code == 400
    assert r.json() == {
        "class": "Client::BadRequest::VrackServicesNotFound",
        "message": f"Task '{missing}' linked to VrackServices '{id}' does not exist",
    }


async def test_busy_then_stale_checksum_then_recovers(app, client, settle):
    id = await order_vrack_services(app)
    first = await put(client, id, [subnet()], checksum=EMPTY)
    assert first.status_code == 200
    busy = await put(client, id, [subnet(vlan=3)], checksum=first.json()["checksum"])
    assert busy.status_code == 423
    assert busy.json()["class"] == "Client::Locked::VrackServicesLocked"
    assert busy.json()["message"].startswith(f"VrackServices '{id}' is already locked")
    await settle()
    stale = await put(client, id, [subnet(vlan=3)], checksum=EMPTY)
    assert stale.status_code == 412
    assert stale.json()["class"] == "Client::PreconditionFailed::ChecksumMismatch"
    again = await put(client, id, [subnet(vlan=3)])
    assert again.status_code == 200 and again.json()["resourceStatus"] == "UPDATING"
    await settle()
    ready = (await client.get(f"{BASE}/{id}")).json()
    assert ready["resourceStatus"] == "READY" and ready["currentState"]["subnets"][0]["vlan"] == 3


async def test_checksum_is_required_and_well_formed(app, client):
    id = await order_vrack_services(app)
    r = await client.put(f"{BASE}/{id}", json={"targetSpec": {"subnets": []}})
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::InvalidInput"
    assert r.json()["details"]["field"] == "checksum"
    r = await client.put(f"{BASE}/{id}", json={"checksum": "abc", "targetSpec": {"subnets": []}})
    assert r.json() == {
        "class": "Client::BadRequest::ChecksumBadFormat",
        "message": "Invalid Checksum format: checksum 'abc' is not a valid MD5 hash",
    }


# --- the rules of a target spec --------------------------------------------------------------

R = "urn:v1:eu:resource:storageNetApp:"

BAD = [
    # (case, subnets, status, class, message)
    (
        "public subnet",
        [subnet(cidr="8.8.8.0/24", service_range="8.8.8.0/29")],
        400,
        "SubnetCIDRNotPrivateNetwork",
        "Invalid Subnet '8.8.8.0/24': CIDR must be a private network address (see RFC1918)",
    ),
    (
        "host bits",
        [subnet(cidr="10.120.0.1/24")],
        400,
        "SubnetCIDRNotNetworkIP",
        "Invalid Subnet '10.120.0.1/24': CIDR is not a base IP (network address)",
    ),
    (
        "subnet too small",
        [subnet(cidr="10.120.0.0/25", service_range="10.120.0.0/29")],
        400,
        "SubnetCIDRPrefixLengthIncorrect",
        "Invalid Subnet '10.120.0.0/25': CIDR prefix length must be between 16 and 24",
    ),
    (
        "subnet too large",
        [subnet(cidr="10.0.0.0/15", service_range="10.0.0.0/29")],
        400,
        "SubnetCIDRPrefixLengthIncorrect",
        "Invalid Subnet '10.0.0.0/15': CIDR prefix length must be between 16 and 24",
    ),
    (
        "display name",
        [subnet(displayName="no/slash")],
        400,
        "SubnetDisplayNameBadFormat",
        "Invalid TargetSpec: invalid displayName, expected pattern ^[ a-zA-Z0-9-_.]{0,40}$",
    ),
    ("display name too long", [subnet(displayName="x" * 41)], 400, "SubnetDisplayNameBadFormat", None),
    (
        "vlan 1",
        [subnet(vlan=1)],
        400,
        "SubnetVLANOutOfRange",
        "Invalid Subnet '10.120.0.0/24': VLAN 1 is out of range [2, 4094]",
    ),
    ("vlan 4095", [subnet(vlan=4095)], 400, "SubnetVLANOutOfRange", None),
    (
        "public range",
        [subnet(service_range="8.8.8.0/29")],
        400,
        "ServiceRangeCIDRNotPrivateNetwork",
        "invalid ServiceRange '8.8.8.0/29': CIDR must be a private network address (see RFC1918)",
    ),
    (
        "range host bits",
        [subnet(service_range="10.120.0.1/29")],
        400,
        "ServiceRangeCIDRNotNetworkIP",
        "invalid ServiceRange '10.120.0.1/29': CIDR is not a base IP (network address)",
    ),
    (
        "range too small",
        [subnet(service_range="10.120.0.0/30")],
        400,
        "ServiceRangeCIDRPrefixLengthOutOfRange",
        "invalid ServiceRange '10.120.0.0/30': CIDR prefix length is out of range [27, 29]",
    ),
    (
        "range too large",
        [subnet(service_range="10.120.0.0/26")],
        400,
        "ServiceRangeCIDRPrefixLengthOutOfRange",
        None,
    ),
    (
        "range outside",
        [subnet(service_range="10.121.0.0/29")],
        400,
        "ServiceRangeCIDRNotInSubnetCIDR",
        "Invalid Subnet '10.120.0.0/24': serviceRange CIDR '10.121.0.0/29' is not a sub-network of the Subnet CIDR",
    ),
    (
        "bad urn",
        [subnet(["storageNetApp:1234"])],
        400,
        "ManagedServiceURNBadFormat",
        "Invalid Managed Service 'storageNetApp:1234': managedServiceURN must be a valid IAM resourceURN",
    ),
    (
        "incompatible",
        [subnet(["urn:v1:eu:resource:vps:vps-1.ovh.net"])],
        400,
        "ManagedServiceIncompatibleType",
        "Managed Service type 'vps' must be a compatible type for vRackServices",
    ),
    (
        "duplicated",
        [subnet([R + "a", R + "a"])],
        400,
        "ManagedServiceDuplicated",
        f"Managed Service '{R}a' is requested multiple times, a Managed Service can be referenced only once in a "
        "vRackServices specification",
    ),
    (
        "capacity",
        [subnet([R + str(i) for i in range(4)])],
        400,
        "ServiceRangeIPsCapacityExceeded",
        "invalid ServiceRange '10.120.0.0/29': requested ServiceEndpoints require 4 IPs, it exceeds the ServiceRange "
        "IPs capacity (3)",
    ),
    (
        "overlap",
        [subnet(), subnet(cidr="10.120.0.0/16", service_range="10.120.1.0/29", vlan=3)],
        400,
        "SubnetCIDROverlap",
        "Subnet CIDR '10.120.0.0/24' overlaps '10.120.0.0/16', Subnet CIDRs must not overlap each other",
    ),
    (
        "two subnets",
        [subnet(), subnet(cidr="10.121.0.0/24", service_range="10.121.0.0/29", vlan=3)],
        400,
        "SubnetLimitExceeded",
        "Limit of '1' Subnets exceeded",
    ),
    ("not a cidr", [subnet(cidr="nope")], 400, "InvalidInput", None),
    ("ipv6", [subnet(cidr="fd00::/64")], 400, "InvalidInput", None),
    ("missing serviceRange", [{"cidr": "10.120.0.0/24", "serviceEndpoints": []}], 400, "InvalidInput", None),
    ("unknown field", [subnet(extra=1)], 400, "InvalidInput", None),
    ("vlan as text", [subnet(vlan="2")], 400, "InvalidInput", None),
    (
        "unknown service",
        [subnet([R + "00000000-0000-4000-8000-000000000000"])],
        404,
        "ManagedServiceNotFound",
        f"Managed Service '{R}00000000-0000-4000-8000-000000000000' not found",
    ),
]


@pytest.mark.parametrize("case,subnets,status,cls,message", BAD, ids=[c[0] for c in BAD])
async def test_bad_target_specs(app, client, case, subnets, status, cls, message):
    id = await order_vrack_services(app)
    r = await put(client, id, subnets, checksum=EMPTY)
    assert r.status_code == status, r.text
    body = r.json()
    prefix = {400: "BadRequest", 404: "NotFound"}[status]
    assert body["class"] == f"Client::{prefix}::{cls}"
    if message:
        assert body["message"] == message
    after = (await client.get(f"{BASE}/{id}")).json()
    assert after["resourceStatus"] == "READY" and after["checksum"] == EMPTY


async def test_unknown_vrack_services(client):
    missing = "vrs-a00-000-000-000"
    for r in (await client.get(f"{BASE}/{missing}"), await put(client, missing, [], checksum=EMPTY)):
        assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::VrackServicesNotFound"
    r = await client.get(f"{BASE}/not-an-id")
    assert r.status_code == 400


# --- managed services ------------------------------------------------------------------------


async def test_managed_service_states_and_regions(app, client):
    id = await order_vrack_services(app)
    suspended = await order_storage(app, status="suspended")
    reopening = await order_storage(app, status="reopening")
    elsewhere = await order_storage(app, region="eu-west-gra")
    cases = [
        (
            suspended,
            400,
            "Client::BadRequest::ManagedServiceNotAvailable",
            f"Managed Service '{suspended}' is not available due to state 'suspended'. It should be reopened or renewed "
            "to be attached to the vRackServices",
        ),
        (
            reopening,
            423,
            "Client::Locked::ManagedServiceLocked",
            f"Managed Service '{reopening}' is already locked",
        ),
        (
            elsewhere,
            400,
            "Client::BadRequest::ManagedServiceRegionMismatch",
            f"Managed Service '{elsewhere}' is in region 'eu-west-gra', it cannot be attached to this VrackServices in "
            "region 'eu-west-lim'",
        ),
    ]
    for urn, status, cls, message in cases:
        r = await put(client, id, [subnet([urn])], checksum=EMPTY)
        assert (r.status_code, r.json()) == (status, {"class": cls, "message": message})


async def test_a_managed_service_is_attached_to_one_vrack_services(app, client, settle):
    first, second = await order_vrack_services(app), await order_vrack_services(app)
    efs = await order_storage(app)
    assert (await put(client, first, [subnet([efs])], checksum=EMPTY)).status_code == 200
    # While the first one is being attached, the service is locked.
    r = await put(client, second, [subnet([efs])], checksum=EMPTY)
    assert r.status_code == 423 and r.json()["class"] == "Client::Locked::ManagedServiceLocked"
    await settle()
    r = await put(client, second, [subnet([efs])], checksum=EMPTY)
    assert r.status_code == 400
    assert r.json()["message"] == (
        f"Managed Service '{efs}' is already attached to VrackServices {first}, a Managed Service can be attached to "
        "only one vRackServices at a time"
    )
    # Detached from the first, it may join the second.
    assert (await put(client, first, [])).status_code == 200
    await settle()
    assert (await put(client, second, [subnet([efs])], checksum=EMPTY)).status_code == 200


async def test_eligible_managed_services(app, client, settle):
    id, other = await order_vrack_services(app), await order_vrack_services(app)
    free = [await order_storage(app) for _ in range(2)]
    await order_storage(app, status="suspended")
    await order_storage(app, region="eu-west-rbx")
    url = f"{BASE}/{id}/eligibleManagedService"
    assert (await client.get(url)).json() == [
        {"managedServiceType": "storageNetApp", "managedServiceURNs": free}
    ]
    await put(client, other, [subnet(free[:1])], checksum=EMPTY)
    await settle()
    assert (await client.get(url)).json()[0]["managedServiceURNs"] == free[1:]
    # Managed services are IAM resources of the account.
    urns = {
        r["urn"]
        for r in (await client.get("/v2/iam/resource", params={"resourceType": "storageNetApp"})).json()
    }
    assert set(free) <= urns and len(urns) == 4


# --- isolation -------------------------------------------------------------------------------


async def test_accounts_do_not_see_each_other(app, client, credentials, connect, settle):
    mine = await order_vrack_services(app)
    theirs = await order_vrack_services(app, "yy2222-ovh")
    their_efs = await order_storage(app, "yy2222-ovh")
    other = connect(await credentials("yy2222-ovh"))
    assert [v["id"] for v in (await client.get(BASE)).json()] == [mine]
    assert [v["id"] for v in (await other.get(BASE)).json()] == [theirs]
    for r in (
        await client.get(f"{BASE}/{theirs}"),
        await client.get(f"{BASE}/{theirs}/task"),
        await client.get(f"{BASE}/{theirs}/eligibleManagedService"),
        await put(client, theirs, [], checksum=EMPTY),
    ):
        assert r.status_code == 404, r.text
    # Another account's managed service does not exist for this one.
    r = await put(client, mine, [subnet([their_efs])], checksum=EMPTY)
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::ManagedServiceNotFound"
    assert (await client.get(f"{BASE}/{mine}/eligibleManagedService")).json()[0]["managedServiceURNs"] == []
