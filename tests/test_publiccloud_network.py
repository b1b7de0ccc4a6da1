"""Private networks, subnets and security groups through HTTP: wire shapes and rules."""

import pytest
from conftest import create_project

pytestmark = pytest.mark.anyio

REGION = "GRA11"


def base(project):
    return f"/v2/publicCloud/project/{project}"


async def make(client, settle, url, spec):
    r = await client.post(url, json={"targetSpec": spec})
    assert r.status_code == 200, r.text
    await settle()
    got = await client.get(f"{url}/{r.json()['id']}")
    assert got.json()["resourceStatus"] == "READY", got.text
    return got.json()


def error(r, status, cls):
    assert r.status_code == status, r.text
    assert r.json()["class"] == cls, r.text
    return r.json()


async def test_a_network_gets_a_free_vlan_and_keeps_what_a_put_does_not_send(client, settle):
    project = await create_project(client, settle)
    url = f"{base(project)}/network"
    net = await make(client, settle, url, {"name": "n1", "location": {"region": REGION}, "description": "d"})
    assert net["targetSpec"] == {
        "description": "d",
        "location": {"region": REGION},
        "name": "n1",
        "vlanId": 1,
    }
    assert net["currentState"] == {
        "description": "d",
        "location": {"region": REGION},
        "name": "n1",
        "vlanId": 1,
    }
    assert net["currentTasks"] == []
    second = await make(client, settle, url, {"name": "n2", "location": {"region": REGION}})
    assert second["targetSpec"]["vlanId"] == 2
    error(
        await client.post(
            url, json={"targetSpec": {"name": "n3", "location": {"region": REGION}, "vlanId": 2}}
        ),
        409,
        "Client::Conflict::VlanIdAlreadyUsed",
    )
    r = await client.put(
        f"{url}/{net['id']}", json={"checksum": net["checksum"], "targetSpec": {"name": "renamed"}}
    )
    assert r.status_code == 200 and r.json()["resourceStatus"] == "UPDATING"
    await settle()
    got = (await client.get(f"{url}/{net['id']}")).json()
    assert got["currentState"]["name"] == "renamed" and got["targetSpec"]["vlanId"] == 1
    assert got["targetSpec"]["description"] == "d"
    body = error(
        await client.put(f"{url}/{net['id']}", json={"targetSpec": {"name": "x", "vlanId": 7}}),
        400,
        "Client::BadRequest::ImmutableField",
    )
    assert body["details"] == {"field": "vlanId"}


@pytest.mark.parametrize(
    "spec, cls",
    [
        ({"name": "", "location": {"region": REGION}}, "Client::BadRequest::InvalidName"),
        ({"name": "n", "location": {"region": "nowhere"}}, "Client::BadRequest::InvalidInput"),
        ({"name": "n", "location": {"region": REGION}, "vlanId": 5000}, "Client::BadRequest::InvalidVlanId"),
        ({"name": "n"}, "Client::BadRequest::InvalidInput"),
    ],
)
async def test_a_network_spec_is_validated(client, settle, spec, cls):
    project = await create_project(client, settle)
    error(await client.post(f"{base(project)}/network", json={"targetSpec": spec}), 400, cls)


async def test_subnets_default_their_gateway_and_refuse_overlaps_and_bad_pools(client, settle):
    project = await create_project(client, settle)
    net = await make(
        client, settle, f"{base(project)}/network", {"name": "n", "location": {"region": REGION}}
    )
    url = f"{base(project)}/network/{net['id']}/subnet"
    subnet = await make(client, settle, url, {"name": "s1", "cidr": "10.0.0.0/24"})
    assert subnet["targetSpec"]["gatewayIp"] == "10.0.0.1"
    assert subnet["targetSpec"]["dhcpEnabled"] is True
    assert subnet["targetSpec"]["location"] == {"region": REGION}
    assert subnet["currentState"]["allocationPools"] == [{"end": "10.0.0.254", "start": "10.0.0.2"}]
    error(
        await client.post(url, json={"targetSpec": {"name": "s2", "cidr": "10.0.0.128/25"}}),
        409,
        "Client::Conflict::CidrOverlap",
    )
    cases = [
        ({"name": "s", "cidr": "10.1.0.1/24"}, "InvalidCidr"),
        ({"name": "s", "cidr": "10.1.0.0/24", "gatewayIp": "10.2.0.1"}, "InvalidIp"),
        (
            {
                "name": "s",
                "cidr": "10.1.0.0/24",
                "allocationPools": [{"start": "10.1.0.9", "end": "10.1.0.3"}],
            },
            "InvalidAllocationPool",
        ),
        (
            {
                "name": "s",
                "cidr": "10.1.0.0/24",
                "allocationPools": [{"start": "10.1.0.1", "end": "10.1.0.9"}],
            },
            "InvalidAllocationPool",
        ),
        ({"name": "s", "cidr": "10.1.0.0/24", "location": {"region": "SBG5"}}, "InvalidRegion"),
    ]
    for spec, cls in cases:
        error(await client.post(url, json={"targetSpec": spec}), 400, f"Client::BadRequest::{cls}")
    body = error(
        await client.put(f"{url}/{subnet['id']}", json={"targetSpec": {"name": "s1", "cidr": "10.9.0.0/24"}}),
        400,
        "Client::BadRequest::ImmutableField",
    )
    assert body["details"] == {"field": "cidr"}
    r = await client.put(f"{url}/{subnet['id']}", json={"targetSpec": {"name": "s1", "dhcpEnabled": False}})
    assert r.status_code == 200, r.text
    await settle()
    got = (await client.get(f"{url}/{subnet['id']}")).json()
    assert got["currentState"]["dhcpEnabled"] is False and got["targetSpec"]["cidr"] == "10.0.0.0/24"

    error(await client.delete(f"{base(project)}/network/{net['id']}"), 409, "Client::Conflict::ResourceInUse")
    assert (await client.delete(f"{url}/{subnet['id']}")).status_code == 200
    await settle()
    assert (await client.delete(f"{base(project)}/network/{net['id']}")).status_code == 200
    await settle()
    error(await client.get(f"{base(project)}/network/{net['id']}"), 404, "Client::NotFound::NetworkNotFound")


async def test_another_accounts_networks_are_invisible(client, settle, credentials, connect):
    project = await create_project(client, settle)
    net = await make(
        client, settle, f"{base(project)}/network", {"name": "n", "location": {"region": REGION}}
    )
    other = connect(await credentials("yy2222-ovh"))
    error(await other.get(f"{base(project)}/network/{net['id']}"), 404, "Client::NotFound::NetworkNotFound")
    error(await other.get(f"{base(project)}/network"), 404, "Client::NotFound::ProjectNotFound")


async def test_security_group_rules_get_ids_and_default_egress_rules(client, settle):
    project = await create_project(client, settle)
    url = f"{base(project)}/securityGroup"
    rule = {
        "direction": "INGRESS",
        "ethernetType": "IPV4",
        "protocol": "TCP",
        "portRangeMin": 22,
        "portRangeMax": 22,
        "remoteIpPrefix": "0.0.0.0/0",
    }
    sg = await make(client, settle, url, {"name": "web", "location": {"region": REGION}, "rules": [rule]})
    state = sg["currentState"]
    assert [r["direction"] for r in state["defaultRules"]] == ["EGRESS", "EGRESS"]
    [stated] = state["rules"]
    assert stated.pop("id") and stated == rule
    empty = await make(client, settle, url, {"name": "none", "location": {"region": REGION}})
    assert "rules" not in empty["currentState"] and len(empty["currentState"]["defaultRules"]) == 2

    bad = [
        {**rule, "portRangeMin": 80, "portRangeMax": 22},
        {**rule, "protocol": "ICMP"},
        {**rule, "remoteIpPrefix": "::/0"},
        {**rule, "portRangeMax": 70000},
    ]
    for each in bad:
        r = await client.post(
            url, json={"targetSpec": {"name": "x", "location": {"region": REGION}, "rules": [each]}}
        )
        error(r, 400, "Client::BadRequest::InvalidRule")
    error(
        await client.post(
            url, json={"targetSpec": {"name": "x", "location": {"region": REGION}, "rules": [rule, rule]}}
        ),
        409,
        "Client::Conflict::SecurityGroupRuleExists",
    )


async def test_a_security_group_used_as_remote_group_cannot_be_deleted(client, settle):
    project = await create_project(client, settle)
    url = f"{base(project)}/securityGroup"
    source = await make(client, settle, url, {"name": "source", "location": {"region": REGION}})
    rule = {"direction": "INGRESS", "ethernetType": "IPV4", "remoteGroup": {"id": source["id"]}}
    missing = {**rule, "remoteGroup": {"id": "6f1e3a52-95a5-4b44-9d5f-6d3c8e0b0a11"}}
    body = error(
        await client.post(
            url, json={"targetSpec": {"name": "t", "location": {"region": REGION}, "rules": [missing]}}
        ),
        400,
        "Client::BadRequest::InvalidReference",
    )
    assert body["details"] == {"field": "rules[0].remoteGroup.id"}
    target = await make(
        client, settle, url, {"name": "target", "location": {"region": REGION}, "rules": [rule]}
    )
    error(await client.delete(f"{url}/{source['id']}"), 409, "Client::Conflict::ResourceInUse")
    assert (await client.delete(f"{url}/{target['id']}")).status_code == 200
    await settle()
    assert (await client.delete(f"{url}/{source['id']}")).status_code == 200
