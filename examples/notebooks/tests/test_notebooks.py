"""The example section, installed on its own, gets what a built-in section gets: the HTTP
surface with tasks and events, two schemas majors, a plain object with versions, OpenAPI and
console documents, conformance, orders, fixtures."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT, ADMIN_TOKEN
from convergent_notebooks import SECTION
from openapi_spec_validator import validate
from typer.testing import CliRunner

from convergent.admin.fixtures import load_fixtures
from convergent.cli import app as cli
from convergent.config import Config
from convergent.runtime import section_list

pytestmark = pytest.mark.anyio

NOTEBOOKS = "/v2/notebooks/notebook"
TEMPLATES = "/v2/notebooks/template"
SPEC = {"name": "lab", "image": "python-3.12", "storage": 20}


def test_installed_it_is_in_the_section_list():
    """pip install puts it under the `convergent.sections` entry point: no option needed."""
    sections = section_list(Config(database="unused.db"))
    assert SECTION in sections and [s.name for s in sections].count("notebooks") == 1


async def _create(client, settle, spec=SPEC) -> dict:
    created = await client.post(NOTEBOOKS, json={"targetSpec": spec})
    assert created.status_code == 200, created.text
    await settle()
    return (await client.get(f"{NOTEBOOKS}/{created.json()['id']}")).json()


async def test_a_notebook_is_created_changed_and_deleted_through_tasks(client, settle):
    created = await client.post(NOTEBOOKS, json={"targetSpec": SPEC})
    assert created.status_code == 200 and created.json()["resourceStatus"] == "CREATING", created.text
    url = f"{NOTEBOOKS}/{created.json()['id']}"
    [task] = (await client.get(f"{url}/task")).json()
    assert [s["name"] for s in task["progress"]] == ["Allocate storage", "Pull image", "Start kernel"]
    await settle()
    ready = (await client.get(url)).json()
    assert ready["resourceStatus"] == "READY" and ready["currentState"]["url"].endswith(".notebooks.example")
    assert ready["iam"]["urn"] == f"urn:v1:eu:resource:notebook:{ready['id']}"
    assert ready["iam"]["displayName"] == "lab"

    stale = await client.put(url, json={"checksum": "0" * 32, "targetSpec": {**SPEC, "storage": 40}})
    assert stale.status_code == 412, stale.text
    grown = await client.put(url, json={"checksum": ready["checksum"], "targetSpec": {**SPEC, "storage": 40}})
    assert grown.status_code == 200 and grown.json()["resourceStatus"] == "UPDATING", grown.text
    busy = await client.put(url, json={"targetSpec": {**SPEC, "storage": 50}})
    assert busy.status_code == 423, busy.text
    await settle()
    assert (await client.get(url)).json()["currentState"]["storage"] == 40
    shrunk = await client.put(url, json={"targetSpec": {**SPEC, "storage": 20}})
    assert shrunk.status_code == 400 and "never shrinks" in shrunk.json()["message"], shrunk.text

    events = [e["type"] for e in (await client.get(f"{url}/event")).json()]
    assert "TARGET_SPEC_UPDATE" in events and "TASK_SUCCESS" in events
    assert (await client.delete(url)).json()["resourceStatus"] == "DELETING"
    await settle()
    gone = await client.get(url)
    assert gone.status_code == 404 and gone.json()["class"] == "Client::NotFound::NotebookNotFound"


@pytest.mark.parametrize(
    "spec, field",
    [
        ({**SPEC, "image": "cobol-85"}, "targetSpec.image"),
        ({**SPEC, "storage": 5}, "targetSpec.storage"),
        ({**SPEC, "gpu": True}, "targetSpec.gpu"),
        ({"image": "r-4.4"}, "targetSpec.name"),
    ],
)
async def test_bad_specs_are_refused_naming_the_field(client, spec, field):
    refused = await client.post(NOTEBOOKS, json={"targetSpec": spec})
    assert refused.status_code == 400 and refused.json()["details"]["field"] == field, refused.text


async def test_a_failed_step_leaves_the_notebook_in_error(client, settle):
    failed = await _create(client, settle, {**SPEC, "name": "fail-me"})
    assert failed["resourceStatus"] == "ERROR"
    [task] = (await client.get(f"{NOTEBOOKS}/{failed['id']}/task")).json()
    assert task["status"] == "ERROR" and "cannot be pulled" in task["errors"][0]["message"]


async def test_both_majors_read_and_write_the_same_notebook(client, settle):
    notebook = await _create(client, settle)
    url = f"{NOTEBOOKS}/{notebook['id']}"
    v2 = {"X-Schemas-Version": "2.0"}
    read = await client.get(url, headers=v2)
    assert read.headers["x-schemas-version"] == "2.0"
    assert read.json()["targetSpec"] == {"image": "python-3.12", "name": "lab", "storageGb": 20}
    assert read.json()["currentState"]["storageGb"] == 20 and read.json()["checksum"] == notebook["checksum"]
    old_name = await client.put(url, headers=v2, json={"targetSpec": SPEC})
    assert old_name.status_code == 400 and old_name.json()["details"]["field"] == "targetSpec.storage"
    changed = await client.put(
        url, headers=v2, json={"targetSpec": {**read.json()["targetSpec"], "storageGb": 30}}
    )
    assert changed.status_code == 200, changed.text
    await settle()
    v1 = await client.get(url)
    assert v1.headers["x-schemas-version"] == "1.1" and v1.json()["targetSpec"]["storage"] == 30


async def test_templates_are_plain_objects_with_versions_and_pages(client):
    made = [
        await client.post(TEMPLATES, json={"name": f"t{i}", "image": "r-4.4", "description": "stats"})
        for i in range(3)
    ]
    assert all(r.status_code == 200 and r.headers["etag"] for r in made), [r.text for r in made]
    first = made[0]
    url = f"{TEMPLATES}/{first.json()['id']}"
    edited = await client.put(
        url, headers={"If-Match": first.headers["etag"]}, json={"name": "t0", "image": "julia-1.11"}
    )
    assert edited.status_code == 200 and edited.headers["etag"] != first.headers["etag"], edited.text
    stale = await client.put(
        url, headers={"If-Match": first.headers["etag"]}, json={"name": "x", "image": "r-4.4"}
    )
    assert stale.status_code == 412 and stale.json()["class"].startswith("Client::PreconditionFailed"), (
        stale.text
    )
    assert (await client.get(url)).json()["image"] == "julia-1.11"
    bad = await client.post(TEMPLATES, json={"name": "t9", "image": "cobol-85"})
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "image"

    page = await client.get(TEMPLATES, headers={"X-Pagination-Size": "2"})
    assert [t["name"] for t in page.json()] == ["t0", "t1"]
    rest = await client.get(
        TEMPLATES,
        headers={"X-Pagination-Size": "2", "X-Pagination-Cursor": page.headers["x-pagination-cursor-next"]},
    )
    assert [t["name"] for t in rest.json()] == ["t2"] and "x-pagination-cursor-next" not in rest.headers
    assert (await client.delete(url)).status_code == 200
    assert (await client.get(url)).json()["class"] == "Client::NotFound::TemplateNotFound"


async def test_openapi_and_console_documents_describe_each_major(client):
    index = (await client.get("/v2/")).json()
    assert "/notebooks" in [api["path"] for api in index["apis"]]
    for version in ("1.1", "2.0"):
        document = await client.get(f"/v2/notebooks.openapi.json?version={version}")
        assert document.status_code == 200 and document.headers["x-schemas-version"] == version
        validate(document.json())
        console = (await client.get(f"/v2/notebooks.json?version={version}")).json()
        assert {api["path"] for api in console["apis"]} >= {
            "/notebooks/notebook",
            "/notebooks/notebook/{notebookId}",
        }
    changelog = (await client.get("/v2/notebooks.changelog.json")).json()
    assert [m["status"] for m in changelog["majors"]] == ["supported", "current"]
    assert (await client.get("/console/")).status_code == 200


async def test_conformance_to_its_own_openapi_document(client, tmp_path):
    """The walk `convergent conformance` makes, against the section's own export as reference."""
    from convergent.conformance import load, measure
    from convergent.conformance.hints import Hints

    # A section's own operations declare no request body in the OpenAPI document (only as-code
    # kinds do): the walk is told how to write a template.
    hints = Hints(
        bodies={"POST /notebooks/template": lambda walk: {"name": "conformance", "image": "r-4.4"}},
        changes={
            "PUT /notebooks/template/{templateId}": lambda current, walk: {
                "name": "renamed",
                "image": current["image"],
            }
        },
    )

    reference = tmp_path / "reference"
    reference.mkdir()
    exported = (await client.get("/v2/notebooks.openapi.json?version=1.1")).json()
    (reference / "notebooks.json").write_text(json.dumps(exported))
    report = await measure(load(str(reference)), sections=(SECTION,), hints={"notebooks": hints})
    [section] = report.as_json()["sections"]
    failing = [r for r in section["results"] if not r["passes"]]
    assert section["missing"] == 0 and not failing and report.exit_code == 0, json.dumps(failing, indent=1)


def test_an_order_delivers_a_ready_notebook(tmp_path):
    database = str(tmp_path / "orders.db")
    args = ["provision", "notebooksStarter", "--account", ACCOUNT, "--database", database, "--json"]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    [notebook] = json.loads(done.stdout)
    assert notebook["kind"] == "notebooks.notebook" and notebook["urn"].startswith(
        "urn:v1:eu:resource:notebook:"
    )


async def test_fixtures_create_notebooks_and_templates_by_order(app, client, tmp_path):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "account": ACCOUNT,
                        "provision": ["notebooksStarter"],
                        "resources": [{"path": NOTEBOOKS, "targetSpec": {**SPEC, "name": "from-fixtures"}}],
                    }
                ]
            }
        )
    )
    await load_fixtures(app.state.ctx, str(fixtures))
    listed = (await client.get(NOTEBOOKS)).json()
    assert sorted((n["targetSpec"]["name"], n["resourceStatus"]) for n in listed) == [
        ("from-fixtures", "READY"),
        ("starter", "READY"),
    ]


async def test_admin_health_lists_the_section_and_its_order(app, client):
    health = await client.get("/admin/health", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    sections = {s["name"]: s for s in health.json()["sections"]}
    assert sections["notebooks"]["kinds"] == ["notebooks.notebook"]
    assert "notebooksStarter" in health.json()["products"]
