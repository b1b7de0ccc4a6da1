"""publicCloud compute through HTTP: instances, instance groups, floating IPs and the quota."""

import pytest
from conftest import create_project

pytestmark = pytest.mark.anyio


async def catalog_ids(client, project, region="GRA11", flavor="b3-8", image="Debian 13"):
    base = f"/v2/publicCloud/project/{project}/reference/instance"
    flavors = (await client.get(f"{base}/flavor?region={region}")).json()
    images = (await client.get(f"{base}/image?region={region}")).json()
    return (
        next(f["id"] for f in flavors if f["name"] == flavor),
        next(i["id"] for i in images if i["name"] == image),
    )


def instance_spec(flavor, image, name="web-1", region="GRA11", **extra):
    return {
        "name": name,
        "flavor": {"id": flavor},
        "image": {"id": image},
        "location": {"region": region},
        "networks": [{"autoAssignPublicIp": True}],
        **extra,
    }


async def create(client, settle, path, spec):
    r = await client.post(path, json={"targetSpec": spec})
    assert r.status_code == 200, r.text
    await settle()
    return (await client.get(f"{path}/{r.json()['id']}")).json()


async def put(client, settle, url, spec, checksum):
    r = await client.put(url, json={"targetSpec": spec, "checksum": checksum})
    assert r.status_code == 200, r.text
    await settle()
    return (await client.get(url)).json()


async def test_an_instance_boots_then_renames_resizes_rebuilds_and_powers_off(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    flavor, image = await catalog_ids(client, project)
    got = await create(client, settle, base, instance_spec(flavor, image))
    assert got["resourceStatus"] == "READY"
    spec, state = got["targetSpec"], got["currentState"]
    assert spec["powerState"] == "ACTIVE" and len(spec["securityGroups"]) == 1
    assert state["powerState"] == "ACTIVE" and state["flavor"]["name"] == "b3-8"
    assert state["image"]["name"] == "Debian 13" and state["location"] == {"region": "GRA11"}
    [nic] = state["networks"]
    assert nic["addresses"][0]["type"] == "FIXED" and nic["addresses"][0]["version"] == 4

    bigger, other_image = await catalog_ids(client, project, flavor="b3-16", image="Ubuntu 24.04")
    update = {k: v for k, v in spec.items() if k not in ("location",)} | {
        "name": "web-2",
        "flavor": {"id": bigger},
        "image": {"id": other_image},
        "powerState": "SHUTOFF",
    }
    r = await client.put(f"{base}/{got['id']}", json={"targetSpec": update, "checksum": got["checksum"]})
    assert r.status_code == 200, r.text
    [task] = r.json()["currentTasks"]
    progress = (await client.get(task["link"])).json()["progress"]
    assert [p["name"] for p in progress] == [
        "Rename instance",
        "Rebuild instance",
        "Resize instance",
        "Apply power state",
    ]
    await settle()
    state = (await client.get(f"{base}/{got['id']}")).json()["currentState"]
    assert (state["name"], state["flavor"]["name"], state["image"]["name"], state["powerState"]) == (
        "web-2",
        "b3-16",
        "Ubuntu 24.04",
        "SHUTOFF",
    )
    assert (await client.delete(f"{base}/{got['id']}")).json()["resourceStatus"] == "DELETING"
    await settle()
    assert (await client.get(f"{base}/{got['id']}")).status_code == 404


async def test_availability_zones_of_a_3az_region(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    flavor, image = await catalog_ids(client, project, region="EU-WEST-PAR")
    placed = await create(client, settle, base, instance_spec(flavor, image, region="EU-WEST-PAR"))
    assert placed["currentState"]["location"]["availabilityZone"].startswith("eu-west-par-")
    pinned = await create(
        client,
        settle,
        base,
        instance_spec(
            flavor,
            image,
            region="EU-WEST-PAR",
            location={"region": "EU-WEST-PAR", "availabilityZone": "eu-west-par-b"},
        ),
    )
    assert pinned["currentState"]["location"] == {
        "availabilityZone": "eu-west-par-b",
        "region": "EU-WEST-PAR",
    }
    r = await client.post(
        base,
        json={
            "targetSpec": instance_spec(
                flavor,
                image,
                region="EU-WEST-PAR",
                location={"region": "EU-WEST-PAR", "availabilityZone": "eu-west-par-z"},
            )
        },
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "targetSpec.location.availabilityZone"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"flavor": {"id": "00000000-0000-4000-8000-000000000000"}}, "targetSpec.flavor.id"),
        ({"image": {"id": "00000000-0000-4000-8000-000000000000"}}, "targetSpec.image.id"),
        ({"location": {"region": "MARS1"}}, "targetSpec.location.region"),
        ({"powerState": "EXPLODED"}, "targetSpec.powerState"),
        ({"networks": [{"autoAssignPublicIp": True}, {"autoAssignPublicIp": True}]}, "targetSpec.networks"),
        ({"networks": [{"id": "n1"}]}, "targetSpec.networks[0]"),
        ({"image": None}, "targetSpec.image"),
        ({"name": " "}, "targetSpec.name"),
    ],
)
async def test_instance_refusals_name_the_field_and_store_nothing(client, settle, change, field):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    flavor, image = await catalog_ids(client, project)
    r = await client.post(base, json={"targetSpec": {**instance_spec(flavor, image), **change}})
    assert r.status_code == 400, r.text
    assert r.json()["details"]["field"] == field
    assert (await client.get(base)).json() == []


async def test_a_flavor_of_another_region_is_refused(client, settle):
    project = await create_project(client, settle)
    flavor, image = await catalog_ids(client, project, region="SBG5")
    _, gra_image = await catalog_ids(client, project)
    r = await client.post(
        f"/v2/publicCloud/project/{project}/compute/instance",
        json={"targetSpec": instance_spec(flavor, gra_image)},
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "targetSpec.flavor.id"


async def test_immutable_fields_are_refused_on_put_naming_the_field(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    flavor, image = await catalog_ids(client, project)
    got = await create(client, settle, base, instance_spec(flavor, image, sshKeyName="k1"))
    for change, field in (
        ({"location": {"region": "SBG5"}}, "targetSpec.location"),
        ({"sshKeyName": "k2"}, "targetSpec.sshKeyName"),
    ):
        r = await client.put(
            f"{base}/{got['id']}",
            json={"targetSpec": {**got["targetSpec"], **change}, "checksum": got["checksum"]},
        )
        assert r.status_code == 400 and r.json()["details"]["field"] == field, r.text


async def test_quota_counts_instances_per_region_and_refuses_past_the_cap(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    flavor, image = await catalog_ids(client, project, flavor="b3-64")  # 16 vCPUs: 3 fit in 60
    for i in range(3):
        await create(client, settle, base, instance_spec(flavor, image, name=f"big-{i}"))
    r = await client.post(base, json={"targetSpec": instance_spec(flavor, image, name="big-3")})
    assert r.status_code == 403 and r.json()["class"] == "Client::Forbidden::QuotaExceeded", r.text
    assert r.json()["details"]["quota"] == "cores"
    quota = (await client.get(f"/v2/publicCloud/project/{project}/quota?region=GRA11")).json()
    [gra] = quota["currentState"]["regions"]
    assert gra["usage"]["compute"]["cores"] == {"limit": 60, "unit": "", "used": 48}
    assert gra["usage"]["compute"]["instances"]["used"] == 3
    # Another region has its own count.
    sbg_flavor, sbg_image = await catalog_ids(client, project, region="SBG5", flavor="b3-64")
    await create(client, settle, base, instance_spec(sbg_flavor, sbg_image, region="SBG5"))

    # A bigger profile lets the fourth in.
    r = await client.put(
        f"/v2/publicCloud/project/{project}/quota",
        json={
            "checksum": quota["checksum"],
            "targetSpec": {
                "preventAutomaticQuotaUpgrade": True,
                "regions": [{"location": {"region": "GRA11"}, "profile": "50vms"}],
            },
        },
    )
    assert r.status_code == 200, r.text
    await settle()
    quota = (await client.get(f"/v2/publicCloud/project/{project}/quota")).json()
    assert quota["resourceStatus"] == "READY" and quota["targetSpec"]["preventAutomaticQuotaUpgrade"] is True
    profiles = {e["location"]["region"]: e["profile"] for e in quota["targetSpec"]["regions"]}
    assert profiles["GRA11"] == "50vms" and profiles["SBG5"] == "default"
    assert {p["name"] for p in quota["currentState"]["availableProfiles"]} >= {"default", "50vms"}
    await create(client, settle, base, instance_spec(flavor, image, name="big-3"))


async def test_floating_ips_are_named_by_their_address_and_keep_their_location(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/publicIp/floating"
    fip = await create(client, settle, base, {"description": "front", "location": {"region": "GRA11"}})
    assert fip["id"] == fip["currentState"]["ip"] and fip["currentState"]["location"] == {"region": "GRA11"}
    updated = await put(client, settle, f"{base}/{fip['id']}", {"description": "back"}, fip["checksum"])
    assert updated["currentState"]["description"] == "back" and updated["targetSpec"]["location"] == {
        "region": "GRA11"
    }
    r = await client.put(
        f"{base}/{fip['id']}",
        json={
            "targetSpec": {"description": "x", "location": {"region": "SBG5"}},
            "checksum": updated["checksum"],
        },
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "targetSpec.location.region"
    assert (await client.get(f"{base}/not-an-ip")).status_code == 400


async def test_instance_groups_hold_instances_and_refuse_deletion_while_they_do(client, settle):
    project = await create_project(client, settle)
    groups = f"/v2/publicCloud/project/{project}/compute/instanceGroup"
    group = await create(
        client, settle, groups, {"name": "g", "policy": "ANTI_AFFINITY", "location": {"region": "GRA11"}}
    )
    assert group["currentState"]["policy"] == "ANTI_AFFINITY"
    flavor, image = await catalog_ids(client, project)
    base = f"/v2/publicCloud/project/{project}/compute/instance"
    inst = await create(client, settle, base, instance_spec(flavor, image, group={"id": group["id"]}))
    r = await client.delete(f"{groups}/{group['id']}")
    assert r.status_code == 409 and r.json()["class"] == "Client::Conflict::InstanceGroupInUse"
    r = await client.post(
        groups, json={"targetSpec": {"name": "g", "policy": "SOMETIMES", "location": {"region": "GRA11"}}}
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "targetSpec.policy"
    assert (await client.put(f"{groups}/{group['id']}", json={"targetSpec": {}})).status_code == 405
    await client.delete(f"{base}/{inst['id']}")
    await settle()
    assert (await client.delete(f"{groups}/{group['id']}")).status_code == 200


async def test_another_account_sees_none_of_them(client, settle, credentials, connect):
    project = await create_project(client, settle)
    flavor, image = await catalog_ids(client, project)
    inst = await create(
        client, settle, f"/v2/publicCloud/project/{project}/compute/instance", instance_spec(flavor, image)
    )
    other = connect(await credentials("yy2222-ovh"))
    for path in (
        f"/v2/publicCloud/project/{project}/compute/instance/{inst['id']}",
        f"/v2/publicCloud/project/{project}/compute/instance",
        f"/v2/publicCloud/project/{project}/quota",
    ):
        assert (await other.get(path)).status_code == 404


async def test_public_ips_additional_from_an_order_ext_net_from_instances(app, client, settle):
    delivered = await app.state.ctx.provision("publicCloud", "xx1111-ovh")
    project = next(d["id"] for d in delivered if d["kind"] == "publicCloud.project")
    additional = next(d["id"] for d in delivered if d["kind"] == "publicCloud.additionalIp")
    base = f"/v2/publicCloud/project/{project}/publicIp"
    got = (await client.get(f"{base}/additional/{additional}")).json()
    assert got["currentState"]["ip"] == additional and got["resourceStatus"] == "READY"
    assert "targetSpec" not in got
    assert (await client.post(f"{base}/additional", json={"targetSpec": {}})).status_code == 405

    flavor, image = await catalog_ids(client, project)
    inst = await create(
        client, settle, f"/v2/publicCloud/project/{project}/compute/instance", instance_spec(flavor, image)
    )
    public = inst["currentState"]["networks"][0]["addresses"][0]["ip"]
    ext = (await client.get(f"{base}/extNet/{public}")).json()
    assert ext["currentState"]["associatedResource"] == {"id": inst["id"], "type": "INSTANCE"}
    assert ext["id"] == ext["currentState"]["ip"]
    fip = await create(client, settle, f"{base}/floating", {"location": {"region": "GRA11"}})
    types = {(i["ip"], i["type"]) for i in (await client.get(base)).json()}
    assert types == {(additional, "ADDITIONAL"), (public, "EXT_NET"), (fip["id"], "FLOATING")}
    assert (await client.get(f"{base}/extNet/192.0.2.1")).status_code == 404


async def test_an_additional_ip_is_bought_for_the_newest_project(app, client, settle):
    project = await create_project(client, settle)
    [delivered] = await app.state.ctx.provision("publicCloudAdditionalIp", "xx1111-ovh")
    assert delivered["path"] == f"/v2/publicCloud/project/{project}/publicIp/additional/{delivered['id']}"


async def test_an_instance_boots_on_the_projects_additional_ip(app, client, settle):
    delivered = await app.state.ctx.provision("publicCloud", "xx1111-ovh")
    project = next(d["id"] for d in delivered if d["kind"] == "publicCloud.project")
    additional = next(d["id"] for d in delivered if d["kind"] == "publicCloud.additionalIp")
    flavor, image = await catalog_ids(client, project)
    path = f"/v2/publicCloud/project/{project}/compute/instance"
    owned = instance_spec(flavor, image, networks=[{"ip": additional}])
    inst = await create(client, settle, path, owned)
    [address] = inst["currentState"]["networks"][0]["addresses"]
    assert (address["ip"], address["type"]) == (additional, "ADDITIONAL")

    again = await client.post(path, json={"targetSpec": {**owned, "name": "web-2"}})
    assert again.status_code == 409 and again.json()["class"].endswith("PublicIpInUse")
    stranger = instance_spec(flavor, image, name="web-3", networks=[{"ip": "192.0.2.77"}])
    refused = await client.post(path, json={"targetSpec": stranger})
    assert refused.status_code == 400 and "192.0.2.77" in refused.json()["message"]
    flavor, image = await catalog_ids(client, project, region="SBG5")
    elsewhere = instance_spec(flavor, image, name="web-4", region="SBG5", networks=[{"ip": additional}])
    refused = await client.post(path, json={"targetSpec": elsewhere})
    assert refused.status_code == 400 and "region SBG5" in refused.json()["message"]


async def test_private_interfaces_get_free_addresses_of_their_subnet(client, settle):
    project = await create_project(client, settle)
    flavor, image = await catalog_ids(client, project)
    where = {"location": {"region": "GRA11"}}
    net = await create(client, settle, f"/v2/publicCloud/project/{project}/network", {"name": "n", **where})
    subnets = f"/v2/publicCloud/project/{project}/network/{net['id']}/subnet"
    spec = {"name": "s", "cidr": "10.1.0.0/29", "gatewayIp": "10.1.0.1", **where}
    subnet = await create(client, settle, subnets, spec)
    path = f"/v2/publicCloud/project/{project}/compute/instance"
    nic = {"id": net["id"], "subnetId": subnet["id"]}

    def private(got):
        [entry] = got["currentState"]["networks"]
        assert (entry["id"], entry["subnetId"]) == (net["id"], subnet["id"])
        return [a["ip"] for a in entry["addresses"] if a["type"] == "FIXED"]

    first = await create(client, settle, path, instance_spec(flavor, image, networks=[nic]))
    assert private(first) == ["10.1.0.2"]
    assert first["targetSpec"]["networks"] == [nic] and "ports" not in first["targetSpec"]
    pinned = {**nic, "ip": "10.1.0.3"}
    second = await create(client, settle, path, instance_spec(flavor, image, name="b", networks=[pinned]))
    assert private(second) == ["10.1.0.3"]
    third = await create(client, settle, path, instance_spec(flavor, image, name="c", networks=[nic]))
    assert private(third) == ["10.1.0.4"]

    # A rename keeps the address; the pinned one is taken; an address out of the subnet is refused.
    renamed = await put(
        client, settle, f"{path}/{first['id']}", {**first["targetSpec"], "name": "a2"}, first["checksum"]
    )
    assert private(renamed) == ["10.1.0.2"]
    taken = instance_spec(flavor, image, name="d", networks=[pinned])
    r = await client.post(path, json={"targetSpec": taken})
    assert r.status_code == 409 and r.json()["class"].endswith("IpAddressInUse"), r.text
    outside = instance_spec(flavor, image, name="e", networks=[{**nic, "ip": "10.9.0.3"}])
    r = await client.post(path, json={"targetSpec": outside})
    assert r.status_code == 400 and "10.9.0.3" in r.json()["message"], r.text

    # References: an unknown network, a subnet of another network, another account's network.
    unknown = {"id": "00000000-0000-4000-8000-000000000000", "subnetId": subnet["id"]}
    r = await client.post(
        path, json={"targetSpec": instance_spec(flavor, image, name="f", networks=[unknown])}
    )
    assert r.status_code == 400 and r.json()["class"].endswith("InvalidReference"), r.text
    other_net = await create(
        client, settle, f"/v2/publicCloud/project/{project}/network", {"name": "o", **where}
    )
    wrong = {"id": other_net["id"], "subnetId": subnet["id"]}
    r = await client.post(path, json={"targetSpec": instance_spec(flavor, image, name="g", networks=[wrong])})
    assert r.status_code == 400 and "targetSpec.networks.subnetId" in r.text, r.text

    # The /29 has 10.1.0.2-6 for ports: two left, then the subnet is full.
    for name in ("h", "i"):
        await create(client, settle, path, instance_spec(flavor, image, name=name, networks=[nic]))
    r = await client.post(path, json={"targetSpec": instance_spec(flavor, image, name="j", networks=[nic])})
    assert r.status_code == 409 and r.json()["class"].endswith("SubnetFull"), r.text


async def test_a_floating_ip_is_associated_with_a_private_port_behind_an_external_gateway(client, settle):
    project = await create_project(client, settle)
    flavor, image = await catalog_ids(client, project)
    where = {"location": {"region": "GRA11"}}
    p = f"/v2/publicCloud/project/{project}"
    net = await create(client, settle, f"{p}/network", {"name": "n", **where})
    subnet = await create(
        client, settle, f"{p}/network/{net['id']}/subnet", {"name": "s", "cidr": "10.2.0.0/24"}
    )
    fip = await create(client, settle, f"{p}/publicIp/floating", where)
    nic = {"id": net["id"], "subnetId": subnet["id"], "ip": fip["id"]}
    spec = instance_spec(flavor, image, networks=[nic])
    r = await client.post(f"{p}/compute/instance", json={"targetSpec": spec})
    assert r.status_code == 400 and "external gateway" in r.json()["message"], r.text

    gateway = {"name": "gw", **where, "externalGateway": {"enabled": True, "model": "S"}}
    gw = await create(client, settle, f"{p}/gateway", {**gateway, "subnets": [{"id": subnet["id"]}]})
    inst = await create(client, settle, f"{p}/compute/instance", spec)
    [entry] = inst["currentState"]["networks"]
    assert [(a["type"], a["ip"]) for a in entry["addresses"]] == [
        ("FIXED", "10.2.0.2"),
        ("FLOATING", fip["id"]),
    ]
    assert inst["targetSpec"]["networks"] == [nic] and entry["gatewayId"] == gw["id"]
    r = await client.post(f"{p}/compute/instance", json={"targetSpec": {**spec, "name": "b"}})
    assert r.status_code == 409 and r.json()["class"].endswith("PublicIpInUse"), r.text
