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


class Cli:
    """The real `terraform` CLI with this provider from a filesystem mirror, in `work`, against a
    real `convergent serve --instant` signed in with a credential from `convergent credential`."""

    def __init__(self, tmp_path):
        from processes import Server, signed

        db = tmp_path / "tf.db"
        self.auth = signed(db)
        self.server = Server(db, "--instant")
        mirror = tmp_path / "mirror"
        install(str(mirror))
        rc = tmp_path / "terraformrc"
        rc.write_text(cli_configuration(str(mirror)))
        self.work = tmp_path / "work"
        self.work.mkdir()
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "HOME": str(tmp_path),
            "OVH_APPLICATION_KEY": self.auth.application_key,
            "OVH_APPLICATION_SECRET": self.auth.application_secret,
            "OVH_CONSUMER_KEY": self.auth.consumer_key,
        }
        self.env.pop("OVH_ENDPOINT", None)

    def __call__(self, *args, ok=(0,)):
        done = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode in ok, (
            f"terraform {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done

    def write(self, text: str) -> None:
        (self.work / "main.tf").write_text(text)

    def api(self) -> Client:
        auth = self.auth
        return Client(self.server.url, auth.application_key, auth.application_secret, auth.consumer_key)

    def resources(self) -> dict:
        state = json.loads(self("show", "-json").stdout)
        return {r["address"]: r["values"] for r in state["values"]["root_module"]["resources"]}

    def no_drift(self) -> bool:
        return self("plan", "-detailed-exitcode", "-input=false", ok=(0, 2)).returncode == 0

    def close(self):
        self.server.proc.kill()
        self.server.proc.wait()
        self.server.log.close()


@pytest.fixture
def cli(tmp_path):
    if shutil.which("terraform") is None:
        pytest.skip(
            "no terraform binary on PATH: install Terraform >= 1.5 (or put it on PATH), "
            "then run `pytest tests/test_terraform.py -m slow`"
        )
    cli = Cli(tmp_path)
    yield cli
    cli.close()


@pytest.mark.slow
def test_terraform_init_apply_change_plan_import_destroy(cli):
    terraform = cli

    def write(plan):
        cli.write(MAIN_TF % {"address": ADDRESS, "endpoint": cli.server.url, "plan": plan})

    write("STANDARD")
    terraform("init", "-input=false")
    terraform("apply", "-auto-approve", "-input=false")
    rancher = cli.resources()["convergent_cloud_project_rancher.r1"]
    assert rancher["resource_status"] == "READY" and rancher["version"]
    assert cli.no_drift(), "no drift after apply"

    write("OVHCLOUD_EDITION")
    changed = terraform("apply", "-auto-approve", "-input=false")
    assert "1 changed, 0 destroyed" in changed.stdout, changed.stdout
    with cli.api() as api:
        live = api.get(f"/v2/publicCloud/project/{rancher['project_id']}/rancher/{rancher['id']}")
        assert live["targetSpec"]["plan"] == "OVHCLOUD_EDITION" and live["resourceStatus"] == "READY"
    assert cli.no_drift(), "no drift after the change"

    terraform("state", "rm", "convergent_cloud_project_rancher.r1")
    terraform(
        "import",
        "-input=false",
        "convergent_cloud_project_rancher.r1",
        f"{rancher['project_id']}/{rancher['id']}",
    )
    assert cli.no_drift(), "no drift after import"

    destroyed = terraform("destroy", "-auto-approve", "-input=false")
    assert (
        "3 destroyed" in destroyed.stdout
        and "only removed from the state" in destroyed.stdout + destroyed.stderr
    )
    with cli.api() as api:
        assert api.get("/v2/iam/policy") == []
        assert api.get(f"/v2/publicCloud/project/{rancher['project_id']}/rancher") == []


GENERIC_TF = """
terraform {
  required_providers {
    convergent = { source = "%(address)s" }
  }
}

provider "convergent" {
  endpoint = "%(endpoint)s"
}

variable "restrictions" {
  type = list(object({ cidrBlock = string, description = string }))
}

resource "convergent_resource" "project" {
  collection  = "/v2/publicCloud/project"
  target_spec = jsonencode({ name = "generic", mode = "CLASSIC" })
}

resource "convergent_resource" "rancher" {
  collection = "/v2/publicCloud/project/${convergent_resource.project.id}/rancher"
  spec = merge({ name = "r", plan = "%(plan)s" }, %(more)s)
}
"""


@pytest.mark.slow
def test_terraform_generic_resource_with_a_typed_spec(cli):
    """`convergent_resource` with `spec` as an HCL object: its types kept through apply (a
    `list(object)` variable is not a tuple), server-side validation as a diagnostic, a change
    outside Terraform seen as drift and put back, import as JSON."""

    def write(plan, more="{}"):
        cli.write(GENERIC_TF % {"address": ADDRESS, "endpoint": cli.server.url, "plan": plan, "more": more})

    write("STANDARD")
    cli("init", "-input=false")
    cli("apply", "-auto-approve", "-input=false", "-var", "restrictions=[]")
    rancher = cli.resources()["convergent_resource.rancher"]
    assert rancher["spec"] == {"name": "r", "plan": "STANDARD"} and rancher["target_spec"] is None
    assert rancher["resource_status"] == "READY" and json.loads(rancher["current_state"])["name"] == "r"

    restrictions = '[{cidrBlock = "10.0.0.0/8", description = "office"}]'
    write("OVHCLOUD_EDITION", "{ ipRestrictions = var.restrictions }")
    changed = cli("apply", "-auto-approve", "-input=false", "-var", f"restrictions={restrictions}")
    assert "1 changed, 0 destroyed" in changed.stdout, changed.stdout
    path = rancher["collection"] + "/" + rancher["id"]
    with cli.api() as api:
        live = api.get(path)
        assert live["targetSpec"]["plan"] == "OVHCLOUD_EDITION"
        assert live["targetSpec"]["ipRestrictions"] == [{"cidrBlock": "10.0.0.0/8", "description": "office"}]
    assert (
        cli("plan", "-detailed-exitcode", "-input=false", "-var", f"restrictions={restrictions}").returncode
        == 0
    )

    write("NO_SUCH_PLAN", "{ ipRestrictions = var.restrictions }")
    refused = cli("apply", "-auto-approve", "-input=false", "-var", f"restrictions={restrictions}", ok=(1,))
    assert "Client::BadRequest" in refused.stderr and "plan" in refused.stderr, refused.stderr

    write("OVHCLOUD_EDITION", "{ ipRestrictions = var.restrictions }")
    with cli.api() as api:  # changed behind Terraform's back
        live = api.get(path)
        api.put(
            path, {"checksum": live["checksum"], "targetSpec": {**live["targetSpec"], "plan": "STANDARD"}}
        )
        api.wait(path)
    drift = cli("plan", "-detailed-exitcode", "-input=false", "-var", f"restrictions={restrictions}", ok=(2,))
    assert '"STANDARD" -> "OVHCLOUD_EDITION"' in drift.stdout, drift.stdout
    cli("apply", "-auto-approve", "-input=false", "-var", f"restrictions={restrictions}")
    with cli.api() as api:
        assert api.get(path)["targetSpec"]["plan"] == "OVHCLOUD_EDITION"

    cli("state", "rm", "convergent_resource.rancher")
    cli("import", "-input=false", "-var", f"restrictions={restrictions}", "convergent_resource.rancher", path)
    imported = cli.resources()["convergent_resource.rancher"]
    assert json.loads(imported["target_spec"])["plan"] == "OVHCLOUD_EDITION" and imported["spec"] is None
    cli("destroy", "-auto-approve", "-input=false", "-var", f"restrictions={restrictions}")
    with cli.api() as api:
        assert api.get(rancher["collection"]) == []


def test_public_surface_and_mirror_layout(tmp_path):
    import convergent.terraform as package
    from convergent.terraform import resources

    assert all(hasattr(package, n) for n in package.__all__) and all(
        hasattr(resources, n) for n in resources.__all__
    )
    executable = install(str(tmp_path))
    assert executable.startswith(str(tmp_path / ADDRESS / "0.1.0")) and os.access(executable, os.X_OK)
    assert f'include = ["{ADDRESS}"]' in cli_configuration(str(tmp_path))
