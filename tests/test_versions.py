"""Schema versions through the HTTP surface: majors side by side, account defaults, lifecycle,
impact reports, discovery documents; and lossless codecs, proven over generated specs."""

import asyncio
import re
from datetime import date

import msgspec
import pytest
from conftest import create_project, create_rancher, serve_sections
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from convergent.model.kind import Kind, Plan, Step, standard_actions
from convergent.model.section import Section
from convergent.model.versions import Change, Codec, Major, Version, epoch_of
from convergent.sections.me import SECTION as ME
from convergent.sections.publiccloud.versions import RancherV2

pytestmark = pytest.mark.anyio

V1, V2 = {"X-Schemas-Version": "1.0"}, {"X-Schemas-Version": "2.0"}


def rancher_url(project, rancher):
    return f"/v2/publicCloud/project/{project}/rancher/{rancher}"


async def test_each_major_sees_its_own_shape_of_the_same_rancher(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])

    # PUT in 1.0, read in 2.0.
    one = (await client.get(url, headers=V1)).json()
    spec = {**one["targetSpec"], "ipRestrictions": [{"cidrBlock": "10.1.0.0/16", "description": "office"}]}
    r = await client.put(url, json={"checksum": one["checksum"], "targetSpec": spec}, headers=V1)
    assert r.status_code == 200 and r.headers["x-schemas-version"] == "1.1"
    await settle()
    two = await client.get(url, headers=V2)
    assert two.headers["x-schemas-version"] == "2.0"
    body = two.json()
    assert body["targetSpec"]["ipAllowlist"] == [{"cidr": "10.1.0.0/16", "description": "office"}]
    assert "ipRestrictions" not in body["targetSpec"] and "ipRestrictions" not in body["currentState"]
    assert body["currentState"]["ipAllowlist"] == [{"cidr": "10.1.0.0/16", "description": "office"}]

    # PUT in 2.0 with the checksum read in 2.0, read in 1.0.
    spec2 = {**body["targetSpec"], "ipAllowlist": [{"cidr": "192.0.2.7", "description": "vpn"}]}
    r = await client.put(url, json={"checksum": body["checksum"], "targetSpec": spec2}, headers=V2)
    assert r.status_code == 200, r.text
    assert r.json()["targetSpec"]["ipAllowlist"] == [{"cidr": "192.0.2.7/32", "description": "vpn"}]
    await settle()
    back = (await client.get(url, headers=V1)).json()
    assert back["targetSpec"]["ipRestrictions"] == [{"cidrBlock": "192.0.2.7/32", "description": "vpn"}]
    assert back["checksum"] == (await client.get(url, headers=V2)).json()["checksum"]

    # Each major refuses the other's field name.
    wrong = await client.put(url, json={"targetSpec": spec2}, headers=V1)
    assert wrong.status_code == 400 and wrong.json()["details"]["field"] == "targetSpec.ipAllowlist"


async def test_zero_or_no_header_means_the_account_default_and_switching_it_changes_that(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    for headers in ({}, {"X-Schemas-Version": "0.0"}):
        r = await client.get(url, headers=headers)
        assert r.headers["x-schemas-version"] == "1.1" and "ipRestrictions" in r.json()["targetSpec"]
    listing = (await client.get("/1.0/me/api/schemasVersion")).json()
    assert {v["section"]: v["defaultMajor"] for v in listing} == {
        "iam": 1,
        "location": 1,
        "publicCloud": 1,
        "vrackServices": 1,
        "vmwareCloudDirector": 1,
    }
    switched = await client.put(
        "/1.0/me/api/schemasVersion/publicCloud", json={"major": 2, "acknowledgeImpact": True}
    )
    assert switched.status_code == 200 and switched.json()["defaultMajor"] == 2
    for headers in ({}, {"X-Schemas-Version": "0.0"}):
        r = await client.get(url, headers=headers)
        assert r.headers["x-schemas-version"] == "2.0" and "ipAllowlist" in r.json()["targetSpec"]
    assert "ipRestrictions" in (await client.get(url, headers=V1)).json()["targetSpec"], "a pin still wins"
    events = (await client.get("/1.0/me/event")).json()
    assert events[0]["type"] == "SCHEMAS_VERSION_CHANGE" and "1.x to 2.x" in events[0]["message"]


async def test_unknown_or_malformed_versions_are_refused_with_what_is_offered(client):
    for header, cls in (
        ("7.0", "UnknownSchemasVersion"),
        ("two", "InvalidSchemasVersion"),
        ("1", "InvalidSchemasVersion"),
    ):
        r = await client.get("/v2/publicCloud/project", headers={"X-Schemas-Version": header})
        assert r.status_code == 400 and r.json()["class"] == f"Client::BadRequest::{cls}"
        assert r.json()["details"]["available"] == "1.1,2.0"


async def test_only_the_owner_changes_the_default(client, credentials, connect, settle):
    r = await client.post(
        "/1.0/me/identity/user", json={"login": "bob", "email": "b@example.com", "password": "long enough pw"}
    )
    assert r.status_code == 200
    service = (
        await client.post(
            "/1.0/me/api/oauth2/client", json={"name": "s", "description": "", "flow": "CLIENT_CREDENTIALS"}
        )
    ).json()
    token = (
        await connect().post(
            "/auth/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(service["clientId"], service["clientSecret"]),
        )
    ).json()["access_token"]
    robot = connect(headers={"Authorization": f"Bearer {token}"})
    identity = f"urn:v1:eu:identity:credential:xx1111-ovh/oauth2-{service['clientId']}"
    await client.post(
        "/v2/iam/policy",
        json={
            "name": "all",
            "identities": [identity],
            "resources": [{"urn": "urn:v1:eu:resource:account:xx1111-ovh"}],
            "permissions": {"allow": [{"action": "*"}]},
        },
    )
    r = await robot.put(
        "/1.0/me/api/schemasVersion/publicCloud", json={"major": 2, "acknowledgeImpact": True}
    )
    assert r.status_code == 403 and r.json()["class"] == "Client::Forbidden::OwnerOnly"


async def test_impact_report_names_exactly_the_affected_operations(client, credentials, connect, settle, app):
    # Account A reads and writes ranchers; account B only touches projects.
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    await client.put(
        url,
        json={
            "targetSpec": {
                **rancher["targetSpec"],
                "ipRestrictions": [{"cidrBlock": "10.0.0.0/8", "description": "x"}],
            }
        },
    )
    other = connect(await credentials("yy2222-ovh"))
    await other.post("/v2/publicCloud/project", json={"targetSpec": {"name": "b", "mode": "CLASSIC"}})
    await other.get("/v2/publicCloud/project")

    report = (await client.get("/1.0/me/api/schemasVersion/publicCloud/impact", params={"major": 2})).json()
    assert report["fromMajor"] == 1 and report["toMajor"] == 2 and report["canSwitch"] is False
    ops = sorted(a["operation"] for a in report["affected"])
    assert ops == sorted(
        [
            "GET /v2/publicCloud/project/{projectId}/rancher/{rancherId}",
            "POST /v2/publicCloud/project/{projectId}/rancher",
            "PUT /v2/publicCloud/project/{projectId}/rancher/{rancherId}",
        ]
    )
    # Named as fault rules name operations, and timed as every other time on the wire.
    assert set(ops) <= app.state.ctx.faults.operations, "POST /admin/fault takes these names"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["lastSeen"]) for a in report["affected"]
    )
    assert all(c["field"].endswith("ipRestrictions") for a in report["affected"] for c in a["changes"])
    refused = await client.put("/1.0/me/api/schemasVersion/publicCloud", json={"major": 2})
    assert (
        refused.status_code == 409
        and "PUT /v2/publicCloud" in refused.json()["details"]["affectedOperations"]
    )

    clean = (await other.get("/1.0/me/api/schemasVersion/publicCloud/impact", params={"major": 2})).json()
    assert clean["affected"] == [] and clean["canSwitch"] is True
    assert (await other.put("/1.0/me/api/schemasVersion/publicCloud", json={"major": 2})).status_code == 200


# --- lifecycle, on a section declared here with a manual clock ------------------------------------


class Spec(msgspec.Struct, forbid_unknown_fields=True):
    size: int


class SpecV2(msgspec.Struct, forbid_unknown_fields=True):
    dimension: int


class Renamed(Codec):
    spec_create = SpecV2
    spec_update = SpecV2

    def spec_to_hub(self, spec, previous):
        return {"size": spec["dimension"]}

    def spec_from_hub(self, hub):
        return {"dimension": hub["size"]}


class Quick:
    def plan(self, action, resource):
        return Plan(f"BOX_{action.upper()}", "box", (Step("Make", 0),))

    def apply(self, step, resource):
        return dict(resource.target_spec)


@pytest.fixture
async def lab(tmp_path):
    box = Kind(
        section="lab",
        name="box",
        label="Box",
        collection="/lab/box",
        id_param="boxId",
        spec_create=Spec,
        spec_update=Spec,
        reconciler=Quick(),
        iam_type="labBox",
        actions=standard_actions("labBox"),
    )
    section = Section(
        "lab",
        "lifecycle",
        kinds=(box,),
        versions=(
            Version("1.0", date(2025, 1, 1), "first"),
            Version(
                "2.0",
                date(2026, 1, 1),
                "size is dimension",
                (Change("GET /lab/box/{boxId}", "targetSpec.size", "renamed", True),),
            ),
        ),
        majors=(
            Major(1, date(2025, 1, 1), deprecated=date(2026, 6, 1), sunset=date(2027, 1, 1)),
            Major(2, date(2026, 1, 1), codecs={"box": Renamed()}),
        ),
    )
    async with serve_sections(tmp_path / "lab.db", (ME, section), instant=True) as (client, ctx):
        now = [epoch_of(date(2026, 3, 1))]
        ctx.clock.now = lambda: now[0]
        yield client, ctx, now


async def test_deprecation_headers_then_migration_after_end_of_availability(lab):
    client, ctx, now = lab
    box = (await client.post("/v2/lab/box", json={"targetSpec": {"size": 3}})).json()
    url = f"/v2/lab/box/{box['id']}"
    fresh = await client.get(url)
    assert "deprecation" not in fresh.headers, "not deprecated before 2026-06-01"

    now[0] = epoch_of(date(2026, 7, 1))
    old = await client.get(url)
    assert old.headers["x-schemas-version"] == "1.0"
    assert old.headers["deprecation"] == f"@{epoch_of(date(2026, 6, 1))}"
    assert old.headers["sunset"] == "Fri, 01 Jan 2027 00:00:00 GMT"
    assert old.headers["link"] == '</v2/lab.changelog.json>; rel="deprecation"; type="application/json"'
    assert "deprecation" not in (await client.get(url, headers={"X-Schemas-Version": "2.0"})).headers
    changelog = (await client.get("/v2/lab.changelog.json")).json()
    assert [m["status"] for m in changelog["majors"]] == ["deprecated", "current"]

    now[0] = epoch_of(date(2027, 1, 2))
    pinned = await client.get(url, headers={"X-Schemas-Version": "1.0"})
    assert pinned.status_code == 400 and pinned.json()["class"] == "Client::BadRequest::RetiredSchemasVersion"
    assert "use 2.0" in pinned.json()["message"]
    migrated = await client.get(url)
    assert migrated.status_code == 200 and migrated.headers["x-schemas-version"] == "2.0"
    assert migrated.json()["targetSpec"] == {"dimension": 3}
    await ctx.defaults.move_retired()  # the housekeeping's work, every second: a GET writes nothing
    events = (await client.get("/1.0/me/event")).json()
    assert (
        events[0]["type"] == "SCHEMAS_VERSION_CHANGE" and "end of availability of 1" in events[0]["message"]
    )
    assert (await client.get("/1.0/me/api/schemasVersion/lab")).json()["defaultMajor"] == 2


async def test_a_get_never_writes_the_account_default(lab):
    """Past its end of availability an account's default is served by the next major at once,
    but only the housekeeping writes the move (with its event), never the call."""
    client, ctx, now = lab
    for task in asyncio.all_tasks():  # stopped, so that only the calls below could write
        if task.get_name() == "convergent-housekeeping":
            task.cancel()
    box = (await client.post("/v2/lab/box", json={"targetSpec": {"size": 3}})).json()
    url = f"/v2/lab/box/{box['id']}"
    before = await ctx.store.get_item("account", "xx1111-ovh")
    now[0] = epoch_of(date(2027, 1, 2))
    for _ in range(3):
        read = await client.get(url)
        assert read.status_code == 200 and read.headers["x-schemas-version"] == "2.0"
    assert (await client.get("/1.0/me/api/schemasVersion/lab")).json()["defaultMajor"] == 2
    after = await ctx.store.get_item("account", "xx1111-ovh")
    assert (after.body.get("schemas"), after.updated_at) == (before.body.get("schemas"), before.updated_at)
    assert (await client.get("/1.0/me/event")).json() == []

    await ctx.defaults.move_retired()
    moved = await ctx.store.get_item("account", "xx1111-ovh")
    assert moved.body["schemas"] == {"lab": 2}
    [event] = (await client.get("/1.0/me/event")).json()
    assert event["type"] == "SCHEMAS_VERSION_CHANGE"
    await ctx.defaults.move_retired()  # nothing left to move: no second event
    assert len((await client.get("/1.0/me/event")).json()) == 1


# --- lossless codecs ---------------------------------------------------------------------------

cidrs = st.builds(
    lambda a, b, p: f"10.{a}.{b}.0/{p}", st.integers(0, 255), st.integers(0, 255), st.integers(24, 32)
)
blocks = st.lists(
    st.fixed_dictionaries({"cidrBlock": cidrs, "description": st.text(max_size=20)}), max_size=4
)
hub_specs = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=20),
        "plan": st.sampled_from(["OVHCLOUD_EDITION", "STANDARD"]),
        "version": st.sampled_from(["2.8.11", "2.9.7"]),
    },
    optional={"ipRestrictions": blocks},
)


@settings(max_examples=300, deadline=None)
@given(hub=hub_specs)
def test_rancher_major_2_round_trips_losslessly(hub):
    codec = RancherV2()
    assert codec.spec_to_hub(codec.spec_from_hub(hub), hub) == dict(sorted(hub.items()))
    assert "ipRestrictions" not in codec.spec_from_hub(hub)


@settings(max_examples=100, deadline=None)
@given(
    state=st.fixed_dictionaries(
        {"name": st.text(max_size=5)}, optional={"ipRestrictions": blocks, "url": st.text(max_size=5)}
    )
)
def test_rancher_major_2_state_shows_the_allowlist(state):
    shown = RancherV2().state_from_hub(state)
    assert ("ipAllowlist" in shown) == ("ipRestrictions" in state)
    assert {k for k in shown if k != "ipAllowlist"} == {k for k in state if k != "ipRestrictions"}


async def test_discovery_documents_per_version(client):
    index = (await client.get("/v2/")).json()
    assert {
        "path": "/publicCloud",
        "schema": "{path}.{format}",
        "format": ["json", "openapi.json"],
        "description": "Public Cloud projects and managed Rancher services",
    } in index["apis"]
    one = (await client.get("/v2/publicCloud.openapi.json", params={"version": "1.0"})).json()
    two = (await client.get("/v2/publicCloud.openapi.json", params={"version": "2.0"})).json()
    assert one["openapi"] == "3.1.0" and one["info"]["version"] == "1.1" and two["info"]["version"] == "2.0"
    put = "/publicCloud/project/{projectId}/rancher/{rancherId}"
    assert two["paths"][put]["put"]["x-iam-actions"] == [
        {"name": "publicCloudProject:apiovh:rancher/edit", "required": True}
    ]
    assert "ipAllowlist" in two["components"]["schemas"]["RancherTargetSpecV2"]["properties"]
    assert "ipRestrictions" in one["components"]["schemas"]["RancherTargetSpec"]["properties"]
    validate(one)
    validate(two)
    console = (await client.get("/v2/publicCloud.json", params={"version": "2.0"})).json()
    assert (
        console["resourcePath"] == "/publicCloud"
        and console["apis"]
        and "RancherTargetSpecV2" in console["models"]
    )
    changelog = (await client.get("/v2/publicCloud.changelog.json")).json()
    assert [v["version"] for v in changelog["versions"]] == ["1.0", "1.1", "2.0"]
    assert any(c["breaking"] for c in changelog["versions"][2]["changes"])


async def test_the_schemas_version_and_the_changelog_agree_on_dates(client):
    changelog = (await client.get("/v2/publicCloud.changelog.json")).json()
    released = {v["version"]: v["released"] for v in changelog["versions"]}
    mine = (await client.get("/1.0/me/api/schemasVersion/publicCloud")).json()
    offered = next(value for value in mine.values() if isinstance(value, list))
    assert offered and all(m["released"] == released[m["version"]] for m in offered), offered
    assert {m["majorReleased"] for m in offered} <= set(released.values())
    assert [m["released"] for m in changelog["majors"]] == [m["released"] for m in offered]
