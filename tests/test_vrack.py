"""`/1.0/vrack` with its vRack Services, and VPS and IP blocks as IAM resources."""

import asyncio
from urllib.parse import quote

import pytest
from conftest import ACCOUNT
from test_reference_iam import _policy, user_client

pytestmark = pytest.mark.anyio


async def _order(app, product: str, account: str = ACCOUNT) -> str:
    [delivered] = await app.state.ctx.provision(product, account)
    return delivered["id"]


async def test_a_vrack_and_its_vrack_services(app, client):
    vrack = await _order(app, "vrack")
    vrs = await _order(app, "vrackServices")
    assert (await client.get("/1.0/vrack")).json() == [vrack]
    got = (await client.get(f"/1.0/vrack/{vrack}")).json()
    assert got["name"] == vrack and got["iam"]["urn"] == f"urn:v1:eu:resource:vrack:{vrack}"

    r = await client.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": vrs})
    assert r.status_code == 200, r.text
    task = r.json()
    assert (
        task["serviceName"] == vrack
        and task["targetDomain"] == vrs
        and task["function"] == "addVrackServices"
    )
    # Done at once: like a done task on OVHcloud, it is no longer found.
    assert (await client.get(f"/1.0/vrack/{vrack}/task/{task['id']}")).status_code == 404
    assert (await client.get(f"/1.0/vrack/{vrack}/vrackServices")).json() == [vrs]
    link = await client.get(f"/1.0/vrack/{vrack}/vrackServices/{vrs}")
    assert link.json() == {"vrack": vrack, "vrackServices": vrs}
    resource = (await client.get(f"/v2/vrackServices/resource/{vrs}")).json()
    assert resource["currentState"]["vrackId"] == vrack

    again = await client.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": vrs})
    assert again.status_code == 409, again.text
    r = await client.delete(f"/1.0/vrack/{vrack}/vrackServices/{vrs}")
    assert r.status_code == 200 and r.json()["function"] == "removeVrackServices", r.text
    assert (await client.get(f"/1.0/vrack/{vrack}/vrackServices")).json() == []
    assert (await client.get(f"/1.0/vrack/{vrack}/vrackServices/{vrs}")).status_code == 404
    resource = (await client.get(f"/v2/vrackServices/resource/{vrs}")).json()
    assert resource["currentState"]["vrackId"] is None


async def test_bad_bodies_and_unknown_names_change_nothing(app, client):
    vrack = await _order(app, "vrack")
    vrs = await _order(app, "vrackServices")
    r = await client.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackService": vrs})
    assert r.status_code == 400 and r.json()["details"]["field"] == "vrackService", r.text
    r = await client.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": 42})
    assert r.status_code == 400 and r.json()["details"]["field"] == "vrackServices", r.text
    r = await client.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": "vrs-nope"})
    assert r.status_code == 404, r.text
    assert (await client.get("/1.0/vrack/pn-nothere")).status_code == 404
    assert (await client.get(f"/1.0/vrack/{vrack}/vrackServices")).json() == []


async def test_another_accounts_vrack_and_vrack_services_are_not_found(app, client, credentials, connect):
    mine = await _order(app, "vrack")
    theirs_vrs = await _order(app, "vrackServices", "yy2222-ovh")
    theirs = await _order(app, "vrack", "yy2222-ovh")
    r = await client.post(f"/1.0/vrack/{mine}/vrackServices", json={"vrackServices": theirs_vrs})
    assert r.status_code == 404, r.text
    assert (await client.get(f"/1.0/vrack/{theirs}")).status_code == 404
    other = connect(await credentials("yy2222-ovh"))
    assert (await other.get("/1.0/vrack")).json() == [theirs]
    resource = (await other.get(f"/v2/vrackServices/resource/{theirs_vrs}")).json()
    assert resource["currentState"]["vrackId"] is None


async def test_a_user_needs_the_vrack_actions(app, client, credentials, connect):
    vrack = await _order(app, "vrack")
    vrs = await _order(app, "vrackServices")
    alice = await user_client(client, credentials, connect)
    assert (await alice.get("/1.0/vrack")).json() == []
    r = await alice.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": vrs})
    assert r.status_code == 403 and "vrack:apiovh:vrackServices/create" in r.text, r.text
    assert (await client.get(f"/1.0/vrack/{vrack}/vrackServices")).json() == []
    urn = f"urn:v1:eu:resource:vrack:{vrack}"
    body = _policy("vrack", [urn], ("vrack:apiovh:get", "vrack:apiovh:vrackServices/*"))
    assert (await client.post("/v2/iam/policy", json=body)).status_code == 200
    assert (await alice.get("/1.0/vrack")).json() == [vrack]
    r = await alice.post(f"/1.0/vrack/{vrack}/vrackServices", json={"vrackServices": vrs})
    assert r.status_code == 200, r.text


async def test_vps_and_ip_blocks_are_iam_resources(app, client):
    vps = await _order(app, "vps")
    ip = await _order(app, "ip")
    assert (await client.get("/1.0/vps")).json() == [vps]
    assert (await client.get(f"/1.0/vps/{vps}")).json()["iam"]["urn"] == f"urn:v1:eu:resource:vps:{vps}"
    assert (await client.get(f"/1.0/ip/{quote(ip, safe='')}")).json()["ip"] == ip
    types = {r["type"] for r in (await client.get("/v2/iam/resource")).json()}
    assert {"vps", "ip"} <= types
    urn = quote(f"urn:v1:eu:resource:ip:{ip}", safe="")
    tags = (await client.get(f"/v2/iam/resource/{urn}")).json()["tags"]
    assert tags["ovh:isAdditionalIp"] == "true" and tags["ovh:version"] == "4"
    r = await client.put(f"/v2/iam/resource/{urn}", json={"tags": {"team": "net"}})
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == {**tags, "team": "net"}  # OVHcloud's own tags stay
    r = await client.put(f"/v2/iam/resource/{urn}", json={"tags": {"ovh:type": "mine"}})
    assert r.status_code == 400 and r.json()["details"]["field"] == "tags.ovh:type", r.text
    assert (await client.get(f"/v2/iam/resource/{urn}")).json()["tags"] == {**tags, "team": "net"}


def test_product_status_is_active_only_in_a_vrack_with_a_service_endpoint():
    from convergent.sections.vrackservices.resource import product_status

    used = [{"serviceEndpoints": [{"managedServiceURN": "urn:v1:eu:resource:storageNetApp:x"}]}]
    assert product_status({"vrackId": "pn-000001", "subnets": used}) == "ACTIVE"
    assert product_status({"vrackId": None, "subnets": used}) == "DRAFT"
    assert product_status({"vrackId": "pn-000001", "subnets": [{"serviceEndpoints": []}]}) == "DRAFT"
    assert product_status({"vrackId": "pn-000001", "subnets": []}) == "DRAFT"


async def test_a_vrack_services_attached_to_two_vracks_at_once_lands_in_one(app, client):
    vracks = [await _order(app, "vrack") for _ in range(2)]
    vrs = await _order(app, "vrackServices")
    answers = await asyncio.gather(
        *(client.post(f"/1.0/vrack/{v}/vrackServices", json={"vrackServices": vrs}) for v in vracks)
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    held = [v for v in vracks if (await client.get(f"/1.0/vrack/{v}/vrackServices")).json() == [vrs]]
    resource = (await client.get(f"/v2/vrackServices/resource/{vrs}")).json()
    assert held == [resource["currentState"]["vrackId"]]
