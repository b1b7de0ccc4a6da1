"""publicCloud's reference routes (regions, flavors, images) and SSH keys, through HTTP."""

import pytest
from conftest import create_project

pytestmark = pytest.mark.anyio

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICVg+WcevAiCCkj9L6dKVqMv0yseIYOWvUWhnwWbzuhH throwaway-ed25519"


def ref(project, path=""):
    return f"/v2/publicCloud/project/{project}/reference{path}"


async def test_regions_list_and_one_with_their_zones(client, settle):
    project = await create_project(client, settle)
    regions = (await client.get(ref(project, "/region"))).json()
    names = [r["name"] for r in regions]
    assert "GRA11" in names and "EU-WEST-PAR" in names
    par = (await client.get(ref(project, "/region/EU-WEST-PAR"))).json()
    assert par["availabilityZones"] == ["eu-west-par-a", "eu-west-par-b", "eu-west-par-c"]
    assert sorted(par) == [
        "availabilityZones",
        "continent",
        "country",
        "datacenterName",
        "name",
        "services",
        "status",
    ]
    assert "instance" in par["services"] and par["status"] == "UP"
    r = await client.get(ref(project, "/region/MARS1"))
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::RegionNotFound"


async def test_flavors_and_images_per_region_with_stable_ids(client, settle):
    project = await create_project(client, settle)
    flavors = (await client.get(ref(project, "/instance/flavor?region=GRA11"))).json()
    assert {f["location"]["region"] for f in flavors} == {"GRA11"}
    [b38] = [f for f in flavors if f["name"] == "b3-8"]
    assert (b38["vcpus"], b38["ram"], b38["disk"]) == (2, 8192, 50)
    assert (await client.get(ref(project, f"/instance/flavor/{b38['id']}"))).json() == b38
    other = (await client.get(ref(project, "/instance/flavor?region=SBG5"))).json()
    assert b38["id"] not in {f["id"] for f in other}

    images = (await client.get(ref(project, "/instance/image?region=GRA11"))).json()
    [debian] = [i for i in images if i["name"] == "Debian 13"]
    assert debian["visibility"] == "public" and debian["status"] == "active"
    assert (await client.get(ref(project, f"/instance/image/{debian['id']}"))).json() == debian

    r = await client.get(ref(project, "/instance/image?region=NOWHERE"))
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::InvalidParameter"
    r = await client.get(ref(project, "/instance/flavor/00000000-0000-4000-8000-000000000000"))
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::FlavorNotFound"


async def test_ssh_keys_create_read_list_delete(client, settle):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/sshKey"
    r = await client.post(base, json={"name": "k1", "publicKey": KEY})
    assert r.status_code == 200, r.text
    assert sorted(r.json()) == ["createdAt", "name", "publicKey", "updatedAt"]
    assert (await client.get(f"{base}/k1")).json()["publicKey"] == KEY
    r = await client.post(base, json={"name": "k1", "publicKey": KEY})
    assert r.status_code == 409 and r.json()["class"] == "Client::Conflict::SshKeyAlreadyExists"
    assert [k["name"] for k in (await client.get(base)).json()] == ["k1"]
    assert (await client.delete(f"{base}/k1")).status_code == 200
    r = await client.get(f"{base}/k1")
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::SshKeyNotFound"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "k", "publicKey": "not a key"}, "publicKey"),
        (
            {
                "name": "k",
                "publicKey": "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAICVg+WcevAiCCkj9L6dKVqMv0yseIYOWvUWhnwWbzuhH",
            },
            "publicKey",
        ),
        ({"name": "k", "publicKey": "ssh-ed25519 !!!"}, "publicKey"),
        ({"name": "bad name", "publicKey": KEY}, "name"),
        ({"name": "k"}, "publicKey"),
    ],
)
async def test_ssh_key_refusals_name_the_field_and_store_nothing(client, settle, body, field):
    project = await create_project(client, settle)
    base = f"/v2/publicCloud/project/{project}/sshKey"
    r = await client.post(base, json=body)
    assert r.status_code == 400 and r.json()["details"]["field"] == field, r.text
    assert (await client.get(base)).json() == []


async def test_another_account_sees_neither_keys_nor_references(client, settle, credentials, connect):
    project = await create_project(client, settle)
    await client.post(f"/v2/publicCloud/project/{project}/sshKey", json={"name": "k1", "publicKey": KEY})
    other = connect(await credentials("yy2222-ovh"))
    for path in (f"/v2/publicCloud/project/{project}/sshKey/k1", ref(project, "/region")):
        assert (await other.get(path)).status_code == 404
