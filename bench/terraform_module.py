"""A Terraform module applied with OVHcloud's own provider on `convergent serve --instant`.

    .venv/bin/python bench/terraform_module.py [--upstream ../shared/upstream] [--instances 10]

The module: 2 private networks with a subnet each, a gateway on the first subnet, 10 block
volumes and 10 instances (each on a network, with one volume). It prints the wall time of
`terraform plan`, of `terraform apply`, of `terraform destroy`, the apply time per resource, and
the ratio of apply to plan (what the figure means: how close applying comes to merely planning,
when the cloud answers at once). Exits 2 when the provider or terraform is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from acceptance.prepare import Server, prepare  # noqa: E402
from acceptance.upstream import build  # noqa: E402


def module(env: dict[str, str], instances: int) -> str:
    project, region = env["OVH_CLOUD_PROJECT_SERVICE_TEST"], env["OVH_CLOUD_PROJECT_REGION_TEST"]
    flavor, image = env["OVH_INSTANCE_FLAVOR_ID_2_TEST"], env["OVH_INSTANCE_IMAGE_ID_2_TEST"]
    return f"""
locals {{
  project = "{project}"
  region  = "{region}"
}}

resource "ovh_cloud_network_private_vrack" "net" {{
  count        = 2
  service_name = local.project
  region       = local.region
  name         = "bench-net-${{count.index}}"
}}

resource "ovh_cloud_network_private_vrack_subnet" "subnet" {{
  count        = 2
  service_name = local.project
  network_id   = ovh_cloud_network_private_vrack.net[count.index].id
  region       = local.region
  name         = "bench-subnet-${{count.index}}"
  cidr         = "10.${{count.index}}.0.0/24"
}}

resource "ovh_cloud_gateway" "gw" {{
  service_name = local.project
  region       = local.region
  name         = "bench-gateway"
  subnet_ids   = [ovh_cloud_network_private_vrack_subnet.subnet[0].id]
  external_gateway = {{
    enabled = true
    model   = "S"
  }}
}}

resource "ovh_cloud_storage_block_volume" "data" {{
  count        = {instances}
  service_name = local.project
  region       = local.region
  name         = "bench-volume-${{count.index}}"
  size         = 10
  volume_type  = "CLASSIC"
}}

resource "ovh_cloud_instance" "vm" {{
  count        = {instances}
  service_name = local.project
  region       = local.region
  name         = "bench-vm-${{count.index}}"
  flavor_id    = "{flavor}"
  image_id     = "{image}"
  volume_ids   = [ovh_cloud_storage_block_volume.data[count.index].id]
  networks = [
    {{
      network_id = ovh_cloud_network_private_vrack.net[count.index % 2].id
      subnet_id  = ovh_cloud_network_private_vrack_subnet.subnet[count.index % 2].id
    }},
  ]
}}
"""


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", default=str(ROOT.parent / "shared" / "upstream"))
    p.add_argument("--terraform", default=shutil.which("terraform") or "/usr/local/bin/terraform")
    p.add_argument("--instances", type=int, default=10)
    p.add_argument("--parallelism", type=int, default=10, help="terraform -parallelism (its default)")
    args = p.parse_args(argv)
    upstream = Path(args.upstream)
    if not (upstream / "build-ovh-provider.sh").exists() or not Path(args.terraform).exists():
        print(f"SKIP: needs OVHcloud's provider at {upstream} and terraform at {args.terraform}")
        return 2
    made = build(upstream)
    work = Path(tempfile.mkdtemp(prefix="convergent-bench-tf-"))
    server = Server(work)
    try:
        env = prepare(server, [])
        rc = work / "terraform.rc"
        rc.write_text(
            'provider_installation {\n  dev_overrides {\n    "ovh/ovh" = "%s"\n  }\n  direct {}\n}\n'
            % made.provider.parent
        )
        run_env = {**os.environ, **env, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
        (work / "main.tf").write_text(
            'terraform {\n  required_providers {\n    ovh = { source = "ovh/ovh" }\n  }\n}\n'
            + module(env, args.instances)
        )
        tf, par = args.terraform, f"-parallelism={args.parallelism}"
        plan = timed([tf, "plan", "-input=false", par, "-out=plan.out"], work, run_env)
        apply = timed([tf, "apply", "-input=false", par, "plan.out"], work, run_env)
        state = json.loads(
            subprocess.run([tf, "show", "-json"], cwd=work, env=run_env, capture_output=True).stdout
        )
        resources = len(state["values"]["root_module"]["resources"])
        replan = timed([tf, "plan", "-input=false", par, "-detailed-exitcode"], work, run_env)
        destroy = timed([tf, "destroy", "-input=false", "-auto-approve", par], work, run_env)
        figures = {
            "resources": resources,
            "plan_seconds": round(plan, 2),
            "apply_seconds": round(apply, 2),
            "apply_seconds_per_resource": round(apply / resources, 3),
            "apply_over_plan": round(apply / plan, 2),
            "refresh_plan_seconds": round(replan, 2),
            "destroy_seconds": round(destroy, 2),
        }
        print(json.dumps(figures, indent=2))
        return 0
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
