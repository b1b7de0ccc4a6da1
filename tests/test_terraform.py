"""The Terraform provider: its resources against a live server, and the real `terraform` CLI
(init, apply, a change, plan without drift, import, destroy) against a real `convergent serve`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

tf = pytest.importorskip(
    "tf", reason="the Terraform provider needs the terraform extra: pip install -e '.[terraform]'"
)

from tf.gen import tfplugin_pb2 as pb  # noqa: E402
from tf.iface import (  # noqa: E402
    CreateContext,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    UpdateContext,
)
from tf.provider import ProviderServicer  # noqa: E402
from tf.types import Unknown  # noqa: E402
from tf.utils import Diagnostics  # noqa: E402

from convergent.client import Client  # noqa: E402
from convergent.terraform import ADDRESS, cli_configuration, install  # noqa: E402
from convergent.terraform.provider import ConvergentProvider  # noqa: E402
from convergent.terraform.resources import AnyResource, CloudProject, CloudProjectRancher, IamPolicy  # noqa: E402


def ctx(kind, name, *more):
    return kind(Diagnostics(), f"convergent_{name}", *more)


@pytest.fixture
def provider(live):
    provider = ConvergentProvider()
    diags = Diagnostics()
    provider.configure_provider(diags, {"endpoint": live.url, "application_key": None})  # the rest from OVH_*
    assert not diags.has_errors(), str(diags)
    yield provider
    provider.client.close()


def test_schemas_are_served_over_the_plugin_protocol():
    served = ProviderServicer(ConvergentProvider()).GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert sorted(served.resource_schemas) == [
        "convergent_cloud_project",
        "convergent_cloud_project_rancher",
        "convergent_iam_policy",
        "convergent_resource",
    ]
    rancher = {
        a.name: a for a in served.resource_schemas["convergent_cloud_project_rancher"].block.attributes
    }
    assert rancher["project_id"].required and rancher["version"].optional and rancher["version"].computed
    assert {a.name for a in served.provider.block.attributes if a.sensitive} == {
        "application_secret",
        "consumer_key",
        "client_secret",
    }


def test_resources_create_read_update_import_delete(provider):
    projects, ranchers, policies = CloudProject(provider), CloudProjectRancher(provider), IamPolicy(provider)
    project = projects.create(ctx(CreateContext, "cloud_project"), {"name": "tf", "mode": "CLASSIC"})
    assert project["resource_status"] == "READY" and len(project["checksum"]) == 32
    rancher = ranchers.create(
        ctx(CreateContext, "rancher"), {"project_id": project["id"], "name": "r", "plan": "STANDARD"}
    )
    assert rancher["resource_status"] == "READY" and rancher["version"], "server default read back"
    changed = ranchers.update(ctx(UpdateContext, "rancher"), rancher, {**rancher, "plan": "OVHCLOUD_EDITION"})
    assert changed["plan"] == "OVHCLOUD_EDITION" and changed["checksum"] != rancher["checksum"]
    assert changed["version"] == rancher["version"]
    assert ranchers.read(ctx(ReadContext, "rancher"), changed) == changed
    assert ranchers.import_(ctx(ImportContext, "rancher"), f"{project['id']}/{rancher['id']}") == changed
    bad = ctx(ImportContext, "rancher")
    assert ranchers.import_(bad, rancher["id"]) is None and "project_id/id" in str(bad.diagnostics)

    planned = {
        "name": "ops",
        "description": None,
        "identities": ["urn:v1:eu:identity:account:xx1111-ovh"],
        "resources": [project["urn"]],
        "allow": ["publicCloudProject:apiovh:*"],
        "except": None,
        "deny": None,
        "permissions_groups": None,
        "expired_at": None,
    }
    policy = policies.create(ctx(CreateContext, "iam_policy"), planned)
    assert (
        policy["allow"] == ["publicCloudProject:apiovh:*"]
        and policy["except"] is None
        and policy["description"] == ""
    )
    assert policies.read(ctx(ReadContext, "iam_policy"), policy) == policy
    denied = policies.update(
        ctx(UpdateContext, "iam_policy"), policy, {**policy, "deny": ["publicCloudProject:apiovh:delete"]}
    )
    assert denied["deny"] == ["publicCloudProject:apiovh:delete"]
    assert policies.import_(ctx(ImportContext, "iam_policy"), policy["id"])["deny"] == denied["deny"]

    policies.delete(ctx(DeleteContext, "iam_policy"), denied)
    ranchers.delete(ctx(DeleteContext, "rancher"), changed)
    assert ranchers.read(ctx(ReadContext, "rancher"), changed) is None, "gone: Terraform drops it from state"
    gone = ctx(DeleteContext, "cloud_project")
    projects.delete(gone, project)
    assert not gone.diagnostics.has_errors() and "only removed from the state" in str(gone.diagnostics)
    with Client() as api:  # projects have no DELETE in the API: the project stays
        assert (
            api.get("/v2/iam/policy") == []
            and api.get(f"/v2/publicCloud/project/{project['id']}/rancher") == []
        )


def test_any_as_code_kind_by_its_collection_and_a_json_spec(provider):
    """`convergent_resource` serves kinds no named resource knows (those of installed sections)."""
    project = CloudProject(provider).create(
        ctx(CreateContext, "cloud_project"), {"name": "tf", "mode": "CLASSIC"}
    )
    generic = AnyResource(provider)
    collection = f"/v2/publicCloud/project/{project['id']}/rancher"
    planned = generic.plan(
        ctx(PlanContext, "resource", set()),
        None,
        {"collection": collection, "target_spec": '{ "plan": "STANDARD", "name": "r" }'},
    )
    assert planned["target_spec"] == '{"name":"r","plan":"STANDARD"}', "as jsonencode writes it"
    made = generic.create(ctx(CreateContext, "resource"), planned)
    assert made["resource_status"] == "READY" and made["target_spec"] == planned["target_spec"]
    assert json.loads(made["current_state"])["name"] == "r", "the server's version is no drift"
    assert generic.read(ctx(ReadContext, "resource"), made) == made
    wanted = {**made, "target_spec": '{"name":"r","plan":"OVHCLOUD_EDITION"}'}
    replanned = generic.plan(ctx(PlanContext, "resource", {"target_spec"}), made, dict(wanted))
    assert replanned["checksum"] is Unknown
    changed = generic.update(ctx(UpdateContext, "resource"), made, wanted)
    assert json.loads(changed["current_state"])["plan"] == "OVHCLOUD_EDITION"
    assert changed["checksum"] != made["checksum"]
    imported = generic.import_(ctx(ImportContext, "resource"), f"{collection}/{made['id']}")
    assert imported["id"] == made["id"] and json.loads(imported["target_spec"])["plan"] == "OVHCLOUD_EDITION"
    bad = ctx(ImportContext, "resource")
    assert generic.import_(bad, made["id"]) is None and "resource's path" in str(bad.diagnostics)
    generic.delete(ctx(DeleteContext, "resource"), changed)
    assert generic.read(ctx(ReadContext, "resource"), changed) is None


def test_task_errors_become_diagnostics(provider, monkeypatch):
    from convergent.model.kind import StepFailed
    from convergent.sections.publiccloud import RANCHER

    project = CloudProject(provider).create(
        ctx(CreateContext, "cloud_project"), {"name": "tf", "mode": "CLASSIC"}
    )

    def failing(step, resource):
        raise StepFailed("quota exceeded")

    monkeypatch.setattr(RANCHER.reconciler, "apply", failing)
    context = ctx(CreateContext, "rancher")
    assert (
        CloudProjectRancher(provider).create(
            context, {"project_id": project["id"], "name": "r", "plan": "STANDARD"}
        )
        is None
    )
    assert context.diagnostics.has_errors() and "quota exceeded" in str(context.diagnostics)


# --- the real Terraform CLI ------------------------------------------------------------------

MAIN_TF = """
terraform {
  required_providers {
    convergent = { source = "%(address)s" }
  }
}

provider "convergent" {
  endpoint = "%(endpoint)s"
}

resource "convergent_cloud_project" "demo" {
  name = "demo"
  mode = "CLASSIC"
}

resource "convergent_cloud_project_rancher" "r1" {
  project_id = convergent_cloud_project.demo.id
  name       = "r1"
  plan       = "%(plan)s"
}

resource "convergent_iam_policy" "operators" {
  name       = "operators"
  identities = ["urn:v1:eu:identity:user:xx1111-ovh/alice"]
  resources  = [convergent_cloud_project.demo.urn]
  allow      = ["publicCloudProject:apiovh:*"]
}
"""


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("terraform") is None,
    reason="no terraform binary on PATH: install Terraform >= 1.5 (or put it on PATH), "
    "then run `pytest tests/test_terraform.py -m slow`",
)
def test_terraform_init_apply_change_plan_import_destroy(tmp_path):
    from processes import Server, signed

    db = tmp_path / "tf.db"
    auth = signed(db)  # a credential made with `convergent credential create --json`
    server = Server(db, "--instant")
    try:
        mirror = tmp_path / "mirror"
        install(str(mirror))
        rc = tmp_path / "terraformrc"
        rc.write_text(cli_configuration(str(mirror)))
        work = tmp_path / "work"
        work.mkdir()
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "HOME": str(tmp_path),
            "OVH_APPLICATION_KEY": auth.application_key,
            "OVH_APPLICATION_SECRET": auth.application_secret,
            "OVH_CONSUMER_KEY": auth.consumer_key,
        }
        env.pop("OVH_ENDPOINT", None)

        def terraform(*args, ok=(0,)):
            done = subprocess.run(
                ["terraform", *args, "-no-color"],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode in ok, (
                f"terraform {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
            return done

        def write(plan):
            (work / "main.tf").write_text(
                MAIN_TF % {"address": ADDRESS, "endpoint": server.url, "plan": plan}
            )

        write("STANDARD")
        terraform("init", "-input=false")
        terraform("apply", "-auto-approve", "-input=false")
        state = json.loads(terraform("show", "-json").stdout)
        resources = {r["address"]: r["values"] for r in state["values"]["root_module"]["resources"]}
        rancher = resources["convergent_cloud_project_rancher.r1"]
        assert rancher["resource_status"] == "READY" and rancher["version"]
        assert terraform("plan", "-detailed-exitcode", "-input=false").returncode == 0, "no drift after apply"

        write("OVHCLOUD_EDITION")
        changed = terraform("apply", "-auto-approve", "-input=false")
        assert "1 changed, 0 destroyed" in changed.stdout, changed.stdout
        with Client(server.url, auth.application_key, auth.application_secret, auth.consumer_key) as api:
            live = api.get(f"/v2/publicCloud/project/{rancher['project_id']}/rancher/{rancher['id']}")
            assert live["targetSpec"]["plan"] == "OVHCLOUD_EDITION" and live["resourceStatus"] == "READY"
        assert terraform("plan", "-detailed-exitcode", "-input=false").returncode == 0, (
            "no drift after the change"
        )

        terraform("state", "rm", "convergent_cloud_project_rancher.r1")
        terraform(
            "import",
            "-input=false",
            "convergent_cloud_project_rancher.r1",
            f"{rancher['project_id']}/{rancher['id']}",
        )
        assert terraform("plan", "-detailed-exitcode", "-input=false").returncode == 0, (
            "no drift after import"
        )

        destroyed = terraform("destroy", "-auto-approve", "-input=false")
        assert (
            "3 destroyed" in destroyed.stdout
            and "only removed from the state" in destroyed.stdout + destroyed.stderr
        )
        with Client(server.url, auth.application_key, auth.application_secret, auth.consumer_key) as api:
            assert api.get("/v2/iam/policy") == []
            assert api.get(f"/v2/publicCloud/project/{rancher['project_id']}/rancher") == []
    finally:
        server.proc.kill()
        server.proc.wait()
        server.log.close()


def test_public_surface_and_mirror_layout(tmp_path):
    import convergent.terraform as package
    from convergent.terraform import resources

    assert all(hasattr(package, n) for n in package.__all__) and all(
        hasattr(resources, n) for n in resources.__all__
    )
    executable = install(str(tmp_path))
    assert executable.startswith(str(tmp_path / ADDRESS / "0.1.0")) and os.access(executable, os.X_OK)
    assert f'include = ["{ADDRESS}"]' in cli_configuration(str(tmp_path))
