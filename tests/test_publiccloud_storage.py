"""Block volumes, their snapshots and backups, file shares and gateways through HTTP."""

import pytest
from conftest import create_project

pytestmark = pytest.mark.anyio

REGION = "GRA11"
LOC = {"region": REGION}


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


async def test_a_volume_shows_its_location_at_once_and_defaults_type_and_encryption(client, settle):
    project = await create_project(client, settle)
    url = f"{base(project)}/storage/block/volume"
    r = await client.post(url, json={"targetSpec": {"name": "v", "size": 10, "location": LOC}})
    assert r.status_code == 200, r.text
    assert r.json()["currentState"]["location"] == LOC  # the provider reads it from the POST answer
    await settle()
    volume = (await client.get(f"{url}/{r.json()['id']}")).json()
    assert volume["targetSpec"] == {
        "encryption": {"enabled": False},
        "location": LOC,
        "name": "v",
        "size": 10,
        "volumeType": "CLASSIC",
    }
    state = volume["currentState"]
    assert state["status"] == "available" and state["bootable"] is False and state["attachedInstances"] == []
    vid = volume["id"]
    r = await client.put(
        f"{url}/{vid}", json={"targetSpec": {"name": "v2", "size": 20, "volumeType": "CLASSIC"}}
    )
    assert r.status_code == 200, r.text
    await settle()
    assert (await client.get(f"{url}/{vid}")).json()["currentState"]["size"] == 20
    body = error(
        await client.put(f"{url}/{vid}", json={"targetSpec": {"name": "v2", "size": 5}}),
        400,
        "Client::BadRequest::InvalidSize",
    )
    assert body["details"] == {"field": "size"}
    body = error(
        await client.put(
            f"{url}/{vid}", json={"targetSpec": {"name": "v2", "size": 20, "encryption": {"enabled": True}}}
        ),
        400,
        "Client::BadRequest::ImmutableField",
    )
    assert body["details"] == {"field": "encryption"}


@pytest.mark.parametrize(
    "spec, cls",
    [
        ({"name": "v", "size": 10, "location": LOC, "volumeType": "GOLD"}, "InvalidVolumeType"),
        ({"name": "v", "size": 0, "location": LOC}, "InvalidSize"),
        ({"name": "v", "size": 10, "location": {"region": "XX9"}}, "InvalidInput"),
        (
            {
                "name": "v",
                "size": 10,
                "location": LOC,
                "createFrom": {"imageId": "2f3c0b9e-0000-4000-8000-000000000000"},
            },
            "InvalidReference",
        ),
    ],
)
async def test_a_volume_spec_is_validated(client, settle, spec, cls):
    project = await create_project(client, settle)
    error(
        await client.post(f"{base(project)}/storage/block/volume", json={"targetSpec": spec}),
        400,
        f"Client::BadRequest::{cls}",
    )


async def test_snapshots_and_backups_copy_a_volume_and_list_by_volume(client, settle):
    project = await create_project(client, settle)
    b = f"{base(project)}/storage/block"
    one = await make(client, settle, f"{b}/volume", {"name": "one", "size": 10, "location": LOC})
    two = await make(client, settle, f"{b}/volume", {"name": "two", "size": 30, "location": LOC})
    snap = await make(client, settle, f"{b}/snapshot", {"name": "s", "volumeId": one["id"], "location": LOC})
    assert snap["currentState"]["size"] == 10 and "volumeSize" not in snap["targetSpec"]
    await make(client, settle, f"{b}/snapshot", {"name": "s2", "volumeId": two["id"], "location": LOC})
    backup = await make(client, settle, f"{b}/backup", {"name": "b", "volumeId": two["id"], "location": LOC})
    assert backup["currentState"]["size"] == 30
    listed = (await client.get(f"{b}/snapshot", params={"volumeId": one["id"]})).json()
    assert [s["id"] for s in listed] == [snap["id"]]
    missing = {"name": "x", "volumeId": "0b8e58a1-1111-4222-8333-444455556666", "location": LOC}
    body = error(
        await client.post(f"{b}/backup", json={"targetSpec": missing}),
        400,
        "Client::BadRequest::InvalidReference",
    )
    assert body["details"] == {"field": "volumeId"}
    error(await client.delete(f"{b}/volume/{one['id']}"), 409, "Client::Conflict::ResourceInUse")
    small = {"name": "r", "size": 5, "location": LOC, "createFrom": {"backupId": backup["id"]}}
    error(
        await client.post(f"{b}/volume", json={"targetSpec": small}), 400, "Client::BadRequest::InvalidSize"
    )
    restored = await make(client, settle, f"{b}/volume", {**small, "size": 30})
    assert restored["targetSpec"]["createFrom"] == {"backupId": backup["id"]}


async def test_volumes_are_counted_in_the_quota(client, settle):
    project = await create_project(client, settle)
    url = f"{base(project)}/storage/block/volume"
    body = error(
        await client.post(url, json={"targetSpec": {"name": "big", "size": 12000, "location": LOC}}),
        403,
        "Client::Forbidden::QuotaExceeded",
    )
    assert body["details"]["quota"] == "gigabytes"


async def test_shares_live_on_a_share_network_and_take_acls(client, settle):
    project = await create_project(client, settle)
    p = base(project)
    net = await make(client, settle, f"{p}/network", {"name": "n", "location": LOC})
    subnet = await make(
        client, settle, f"{p}/network/{net['id']}/subnet", {"name": "s", "cidr": "10.0.0.0/24"}
    )
    sn_spec = {"name": "sn", "network": {"id": net["id"]}, "subnet": {"id": subnet["id"]}, "location": LOC}
    share_net = await make(client, settle, f"{p}/storage/file/network", sn_spec)
    spec = {"name": "files", "size": 150, "location": LOC, "shareNetwork": {"id": share_net["id"]}}
    share = await make(client, settle, f"{p}/storage/file/share", spec)
    assert share["targetSpec"]["protocol"] == "NFS" and share["targetSpec"]["shareType"] == "STANDARD_1AZ"
    [export] = share["currentState"]["exportLocations"]
    assert export["preferred"] is True and share["id"] in export["path"]
    error(
        await client.post(f"{p}/storage/file/share", json={"targetSpec": {**spec, "size": 10}}),
        400,
        "Client::BadRequest::InvalidSize",
    )
    acl_url = f"{p}/storage/file/share/{share['id']}/acl"
    acl = await make(client, settle, acl_url, {"accessTo": "10.0.0.7", "accessLevel": "READ_ONLY"})
    assert acl["targetSpec"]["accessTo"] == "10.0.0.7/32" and acl["currentState"]["state"] == "ACTIVE"
    error(
        await client.post(
            acl_url, json={"targetSpec": {"accessTo": "10.0.0.7/32", "accessLevel": "READ_WRITE"}}
        ),
        409,
        "Client::Conflict::ShareAclExists",
    )
    snap = await make(
        client, settle, f"{p}/storage/file/snapshot", {"name": "s", "share": {"id": share["id"]}}
    )
    assert snap["currentState"]["size"] == 150 and snap["currentState"]["location"] == LOC
    error(
        await client.delete(f"{p}/network/{net['id']}/subnet/{subnet['id']}"),
        409,
        "Client::Conflict::ResourceInUse",
    )
    error(
        await client.delete(f"{p}/storage/file/share/{share['id']}"), 409, "Client::Conflict::ResourceInUse"
    )


async def test_a_gateway_checks_its_model_and_subnets(client, settle):
    project = await create_project(client, settle)
    p = base(project)
    net = await make(client, settle, f"{p}/network", {"name": "n", "location": LOC})
    subnet = await make(
        client, settle, f"{p}/network/{net['id']}/subnet", {"name": "s", "cidr": "10.0.0.0/24"}
    )
    spec = {"name": "gw", "location": LOC, "externalGateway": {"enabled": True, "model": "S"}}
    error(
        await client.post(
            f"{p}/gateway",
            json={"targetSpec": {**spec, "externalGateway": {"enabled": True, "model": "XXL"}}},
        ),
        400,
        "Client::BadRequest::InvalidGatewayModel",
    )
    body = error(
        await client.post(f"{p}/gateway", json={"targetSpec": {**spec, "subnets": [{"id": net["id"]}]}}),
        400,
        "Client::BadRequest::InvalidReference",
    )
    assert body["details"] == {"field": "subnets[0].id"}
    gw = await make(client, settle, f"{p}/gateway", {**spec, "subnets": [{"id": subnet["id"]}]})
    state = gw["currentState"]
    assert state["externalIp"] and state["subnets"] == [{"id": subnet["id"]}] and state["status"] == "ACTIVE"
    error(
        await client.delete(f"{p}/network/{net['id']}/subnet/{subnet['id']}"),
        409,
        "Client::Conflict::ResourceInUse",
    )
    r = await client.put(
        f"{p}/gateway/{gw['id']}",
        json={"targetSpec": {"name": "gw", "externalGateway": {"enabled": True, "model": "M"}}},
    )
    assert r.status_code == 200, r.text
    await settle()
    got = (await client.get(f"{p}/gateway/{gw['id']}")).json()
    assert got["currentState"]["externalGateway"]["model"] == "M" and "subnets" not in got["currentState"]
    assert (await client.delete(f"{p}/network/{net['id']}/subnet/{subnet['id']}")).status_code == 200


async def test_a_project_is_readable_on_the_v1_branch(client, settle, credentials, connect):
    project = await create_project(client, settle)
    got = (await client.get(f"/1.0/cloud/project/{project}")).json()
    assert got["project_id"] == project and got["status"] == "ok" and got["description"] == "p1"
    other = connect(await credentials("yy2222-ovh"))
    error(await other.get(f"/1.0/cloud/project/{project}"), 404, "Client::NotFound::ProjectNotFound")


async def test_a_volume_is_attached_to_one_instance_of_its_region_at_a_time(client, settle):
    from test_publiccloud_compute import catalog_ids, instance_spec

    project = await create_project(client, settle)
    p = base(project)
    flavor, image = await catalog_ids(client, project)
    volume = await make(
        client, settle, f"{p}/storage/block/volume", {"name": "data", "size": 10, "location": LOC}
    )
    elsewhere = await make(
        client,
        settle,
        f"{p}/storage/block/volume",
        {"name": "far", "size": 10, "location": {"region": "SBG5"}},
    )
    first = await make(
        client, settle, f"{p}/compute/instance", instance_spec(flavor, image, volumes=[{"id": volume["id"]}])
    )
    error(
        await client.post(
            f"{p}/compute/instance",
            json={"targetSpec": instance_spec(flavor, image, name="web-2", volumes=[{"id": volume["id"]}])},
        ),
        409,
        "Client::Conflict::VolumeAlreadyAttached",
    )
    body = error(
        await client.post(
            f"{p}/compute/instance",
            json={
                "targetSpec": instance_spec(flavor, image, name="web-3", volumes=[{"id": elsewhere["id"]}])
            },
        ),
        400,
        "Client::BadRequest::InvalidReference",
    )
    assert body["details"] == {"field": "targetSpec.volumes[0].id"}
    error(
        await client.delete(f"{p}/storage/block/volume/{volume['id']}"),
        409,
        "Client::Conflict::ResourceInUse",
    )
    assert first["targetSpec"]["volumes"] == [{"id": volume["id"]}] and "disks" not in first["targetSpec"]
    assert first["currentState"]["volumes"] == [{"id": volume["id"], "name": "data", "size": 10}]
