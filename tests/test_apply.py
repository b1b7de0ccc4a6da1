"""`convergent apply` and its siblings, through the CLI against a server on a real socket."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from convergent.apply import DocumentError, UnresolvedReference, load
from convergent.apply.plan import differences, merged
from convergent.apply.refs import UNKNOWN, resolve
from convergent.cli import app
from convergent.client import Client

STACK = """
resources:
  - name: demo
    path: /v2/publicCloud/project
    targetSpec: {name: demo, mode: CLASSIC}
  - name: r1
    path: /v2/publicCloud/project/${demo.id}/rancher
    targetSpec: {name: r1, plan: STANDARD}
  - name: r2
    path: /v2/publicCloud/project/${demo.id}/rancher
    targetSpec: {name: r2, plan: STANDARD}
  - name: operators
    kind: object
    path: /v2/iam/policy
    body:
      name: operators
      description: may run the demo project
      identities: ["urn:v1:eu:identity:user:xx1111-ovh/alice"]
      resources: [{urn: "${demo.iam.urn}"}]
      permissions: {allow: [{action: "publicCloudProject:apiovh:*"}]}
"""


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_public_surfaces_are_explicit():
    import convergent.apply as declared
    import convergent.remote as remote

    for module in (declared, remote):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    assert {n for n in dir(declared) if not n.startswith("_")} - set(declared.__all__) == {
        "document",
        "plan",
        "refs",
        "run",
        "show",
    } - set(declared.__all__)


def test_a_stack_applied_changed_reapplied_and_then_without_drift(live, tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(STACK)
    first = run("apply", "-f", str(stack), "--poll", "0.05")
    assert first.exit_code == 0, first.output
    assert "+ demo" in first.output and "+ operators" in first.output and "4 to create" in first.output

    with Client() as api:
        project = next(p for p in api.iterate("/v2/publicCloud/project") if p["targetSpec"]["name"] == "demo")
        ranchers = {
            r["targetSpec"]["name"]: r
            for r in api.iterate(f"/v2/publicCloud/project/{project['id']}/rancher")
        }
        assert {n: r["resourceStatus"] for n, r in ranchers.items()} == {"r1": "READY", "r2": "READY"}
        policy = next(p for p in api.get("/v2/iam/policy") if p["name"] == "operators")
        assert policy["resources"] == [{"urn": project["iam"]["urn"]}]
        r1_events = len(
            api.get(f"/v2/publicCloud/project/{project['id']}/rancher/{ranchers['r1']['id']}/event")
        )

    changed = STACK.replace("{name: r2, plan: STANDARD}", "{name: r2, plan: OVHCLOUD_EDITION}")
    stack.write_text(changed)
    second = run("apply", "-f", str(stack), "--poll", "0.05")
    assert second.exit_code == 0, second.output
    assert "0 to create, 1 to update, 3 unchanged" in second.output
    assert 'targetSpec.plan: "STANDARD" -> "OVHCLOUD_EDITION"' in second.output

    with Client() as api:
        rancher = api.get(f"/v2/publicCloud/project/{project['id']}/rancher/{ranchers['r2']['id']}")
        assert rancher["targetSpec"]["plan"] == "OVHCLOUD_EDITION" and rancher["resourceStatus"] == "READY"
        assert rancher["targetSpec"]["version"] == ranchers["r2"]["targetSpec"]["version"], (
            "server defaults kept"
        )
        untouched = api.get(f"/v2/publicCloud/project/{project['id']}/rancher/{ranchers['r1']['id']}/event")
        assert len(untouched) == r1_events, "r1 was left alone"

    dry = run("apply", "-f", str(stack), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "0 to create, 0 to update, 4 unchanged" in dry.output
    quiet = run("apply", "-f", str(stack), "--dry-run", "--json")
    assert quiet.exit_code == 0 and json.loads(quiet.output)["drift"] is False

    stack.write_text(changed.replace("may run the demo project", "may run it"))
    drift = run("apply", "-f", str(stack), "--dry-run", "--json")
    assert drift.exit_code == 2
    planned = json.loads(drift.output)["changes"]
    assert [c["action"] for c in planned] == ["none", "none", "none", "update"]
    assert planned[3]["task"] is None and planned[3]["refused"] is None  # not an as-code resource
    assert planned[3]["fields"] == [
        {"field": "body.description", "from": "may run the demo project", "to": "may run it"}
    ]


def test_apply_wait_and_delete_print_progress_lines_when_output_is_not_a_terminal(live, tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(STACK)
    applied = run("apply", "-f", str(stack), "--poll", "0.05")  # CliRunner: no terminal
    assert applied.exit_code == 0
    lines = applied.stderr.splitlines()
    assert lines[0] == "applying"
    for name in ("demo", "r1", "r2"):
        assert any(re.fullmatch(rf"{name}: (CREATING|READY)( - .+ \(\d/\d\))?", line) for line in lines), (
            lines
        )
    with Client() as api:
        project = api.get("/v2/publicCloud/project")[0]["id"]
        rancher = api.get(f"/v2/publicCloud/project/{project}/rancher")[0]["id"]
    path = f"/v2/publicCloud/project/{project}/rancher/{rancher}"
    waited = run("wait", path, "--poll", "0.05")
    assert waited.exit_code == 0 and f"{path}: READY" in waited.stdout
    assert waited.stderr.splitlines() == [f"waiting for {path}", f"{path}: READY"]
    gone = run("delete", path)
    assert gone.exit_code == 0 and gone.stderr.splitlines()[0] == f"deleting {path}"
    assert run("wait", path, "--until", "deleted").exit_code == 0
    refused = run("wait", path, "--until", "gone")
    assert refused.exit_code == 2 and "READY or DELETED" in refused.stderr


def test_dry_run_on_an_empty_account_shows_what_is_not_known_yet(live, tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(STACK)
    dry = run("apply", "-f", str(stack), "--dry-run", "--json")
    assert dry.exit_code == 2
    changes = json.loads(dry.output)["changes"]
    assert [c["action"] for c in changes] == ["create"] * 4
    assert changes[1]["path"] == f"/v2/publicCloud/project/{UNKNOWN}/rancher"
    # The server says what the first would start (X-Dry-Run); the others depend on it.
    assert changes[0]["task"]["steps"] and all(s["seconds"] >= 0 for s in changes[0]["task"]["steps"])
    assert [c["task"] for c in changes[1:]] == [None] * 3
    shown = run("apply", "-f", str(stack), "--dry-run")
    assert re.search(r"task \w+: .+ \(\d+(\.\d+)?s\)", shown.output), shown.output
    with Client() as api:
        assert api.get("/v2/publicCloud/project") == [], "a dry run writes nothing"


def test_get_tasks_events_and_delete(live, tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(STACK)
    assert run("apply", "-f", str(stack), "--json", "--poll", "0.05").exit_code == 0
    listed = run("get", "/v2/publicCloud/project", "--json")
    project = json.loads(listed.output)[0]
    table = run("get", "/v2/publicCloud/project")
    assert "resourceStatus" in table.output and "demo" in table.output and "READY" in table.output
    path = f"/v2/publicCloud/project/{project['id']}/rancher"
    rancher = json.loads(run("get", path, "--json").output)[0]
    item = f"{path}/{rancher['id']}"
    assert "plan: STANDARD" in run("get", item).output

    shown = run("tasks", item)
    assert "RANCHER_CREATE" in shown.output and "DONE" in shown.output and "4/4" in shown.output
    lines = run("events", item, "--json").output.splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "TARGET_SPEC_UPDATE",
        "TASK_START",
        "TASK_SUCCESS",
    ]

    gone = run("delete", item)
    assert gone.exit_code == 0 and "deleted" in gone.output
    missing = run("get", item)
    assert missing.exit_code == 1 and "Client::NotFound" in missing.output


def test_follow_prints_new_events_once(live, capsys):
    from convergent.remote import follow_events

    with Client() as api:
        project = api.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}})
        url = f"/v2/publicCloud/project/{project['id']}/rancher"
        rancher = api.post(url, {"targetSpec": {"name": "r", "plan": "STANDARD"}})
        item = f"{url}/{rancher['id']}"
        api.wait(item, poll=0.05)
        polls = iter(range(3))
        follow_events(api, f"{item}/event", True, 0.01, stop=lambda: next(polls) == 2)
    types = [json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()]
    assert types == ["TARGET_SPEC_UPDATE", "TASK_START", "TASK_SUCCESS"]


def test_errors_exit_1_with_the_api_message(live, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "resources:\n  - {name: p, path: /v2/publicCloud/project, targetSpec: {name: p, mode: NOPE}}\n"
    )
    refused = run("apply", "-f", str(bad))
    assert refused.exit_code == 1 and "targetSpec.mode" in refused.output
    monkeypatch.setenv("OVH_CONSUMER_KEY", "x" * 32)
    denied = run("get", "/v2/publicCloud/project")
    assert denied.exit_code == 1 and "credential is not valid" in denied.output


@pytest.mark.parametrize(
    "text, message",
    [
        ("resources: {}", "must be a list"),
        ("resources:\n  - {path: /v2/x, targetSpec: {}}", "'name' must be"),
        (
            "resources:\n  - {name: a, path: /v2/x, targetSpec: {name: a}}\n  - {name: a, path: /v2/x, targetSpec: {name: a}}",
            "declared twice",
        ),
        ("resources:\n  - {name: a, path: /v2/x, targetSpec: {mode: X}}", "say how to find it"),
        ("resources:\n  - {name: a, path: /v2/x, kind: object, targetSpec: {name: a}}", "declares 'body'"),
        ("resources:\n  - {name: a, path: v2/x, targetSpec: {name: a}}", "collection's path"),
        ("resources:\n  - {name: a, path: /v2/x, targetSpec: {name: a}, extra: 1}", "unknown key"),
        ("stuff: 1\nresources: []", "unknown top-level"),
    ],
)
def test_documents_refused_with_a_reason(text, message):
    with pytest.raises(DocumentError, match=message):
        load(text)


def test_a_stream_of_documents_and_explicit_match():
    declared = load(
        "name: a\npath: /v2/x\ntargetSpec: {mode: X}\nmatch: {mode: X}\n---\nname: b\npath: /v2/y\nid: '42'\ntargetSpec: {}\n"
    )
    assert [(d.name, d.match, d.id) for d in declared] == [("a", {"mode": "X"}, None), ("b", {}, "42")]


def test_references_resolve_whole_values_and_inside_strings():
    known = {"p": {"id": "abc", "iam": {"urn": "urn:v1:eu:resource:p:abc"}, "tags": ["x"]}, "later": None}
    assert resolve({"path": "/v2/p/${p.id}/r", "urn": "${p.iam.urn}", "tags": "${p.tags}"}, known) == {
        "path": "/v2/p/abc/r",
        "urn": "urn:v1:eu:resource:p:abc",
        "tags": ["x"],
    }
    assert resolve("/v2/${later.id}", known) == f"/v2/{UNKNOWN}"
    with pytest.raises(UnresolvedReference, match="no resource named 'nope'"):
        resolve("${nope.id}", known)
    with pytest.raises(UnresolvedReference, match="no field 'iam.id'"):
        resolve("${p.iam.id}", known)


def test_only_declared_fields_are_compared_and_merged():
    live = {"name": "r", "plan": "STANDARD", "version": "2.9.7", "ipRestrictions": []}
    assert differences({"name": "r", "plan": "STANDARD"}, live) == []
    assert differences({"name": "r", "ipRestrictions": None}, live) == [], "empty reads as absent"
    assert differences({"plan": "OVHCLOUD_EDITION"}, live, "targetSpec") == [
        ("targetSpec.plan", "STANDARD", "OVHCLOUD_EDITION")
    ]
    assert merged(live, {"plan": "OVHCLOUD_EDITION"}) == {**live, "plan": "OVHCLOUD_EDITION"}
    assert (
        differences({"p": {"allow": [{"action": "a"}]}}, {"p": {"allow": [{"action": "a"}], "deny": None}})
        == []
    )
