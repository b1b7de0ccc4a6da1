"""The CI recipes of docs/ci, run here as far as a machine without GitHub or GitLab can:
their own shell steps, in order, with `convergent serve` as the service, OVHcloud's Terraform
provider (built from ../shared/upstream) and the worked example's pytest suite.

What is not run: the steps that install (pip, setup-python, setup-terraform, the Terraform
download: this machine has them) and the runners themselves. The provider comes from a local
filesystem mirror instead of the registry (no network here); the port is a free one.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import sys

import pytest
import yaml

from convergent.testing.server import free_port

ROOT = pathlib.Path(__file__).resolve().parents[1]
CI = ROOT / "docs" / "ci"
# ../shared beside the checkout (CI), or beside the folder of worktrees (a worktree of it).
UPSTREAM = next(
    (
        p / "shared" / "upstream"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared" / "upstream").exists()
    ),
    ROOT.parent / "shared" / "upstream",
)
INSTALLS = ("pip install", "releases.hashicorp.com")


def test_the_recipes_are_well_formed():
    github = yaml.safe_load((CI / "github-actions.yml").read_text())
    steps = github["jobs"]["against-convergent"]["steps"]
    names = [s.get("name") for s in steps if "run" in s]
    assert names == ["Install", "Start convergent", "Terraform module", "Pytest suite"]
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["against-convergent"]
    service = gitlab["services"][0]
    assert service["alias"] == "convergent" and "convergent serve" in service["command"][0]
    assert gitlab["variables"]["API_URL"] == "http://convergent:8080"
    for recipe in (github["jobs"]["against-convergent"]["env"], gitlab["variables"]):
        assert not {k for k in recipe if k.startswith("CONVERGENT_")} - {
            "CONVERGENT_ADMIN_TOKEN",
            "CONVERGENT_PORT",
        }, "convergent refuses CONVERGENT_* variables it does not know"


def test_convergent_env_prints_what_clients_read(tmp_path):
    db = tmp_path / "env.db"
    run = [sys.executable, "-m", "convergent", "env", "--database", str(db), "--account", "ab12-ovh"]
    shell = subprocess.run([*run, "--shell"], check=True, capture_output=True, text=True).stdout
    evaluated = subprocess.run(
        ["bash", "-c", f"{shell}\nenv | grep ^OVH_ | sort"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert [line.split("=")[0] for line in evaluated] == [
        "OVH_APPLICATION_KEY",
        "OVH_APPLICATION_SECRET",
        "OVH_CONSUMER_KEY",
        "OVH_ENDPOINT",
    ]
    assert "OVH_ENDPOINT=http://127.0.0.1:8080/1.0" in evaluated
    dotenv = subprocess.run(run, check=True, capture_output=True, text=True).stdout.splitlines()
    assert [line.split("=")[0] for line in dotenv] == [
        "OVH_ENDPOINT",
        *[v.split("=")[0] for v in evaluated[:3]],
    ]


def _provider_mirror(tmp_path) -> pathlib.Path:
    """OVHcloud's provider in a filesystem mirror, and a CLI configuration installing it from there."""
    if shutil.which("terraform") is None:
        pytest.skip("no terraform on PATH")
    script = UPSTREAM / "build-ovh-provider.sh"
    if not script.exists():
        pytest.skip(
            f"OVHcloud's provider source is not at {UPSTREAM} (it lives in ../shared beside the checkout)"
        )
    built = pathlib.Path(
        subprocess.run([str(script)], check=True, capture_output=True, text=True).stdout.split()[0]
    )
    folder = tmp_path / "mirror" / "registry.terraform.io" / "ovh" / "ovh" / "2.19.0" / "linux_amd64"
    folder.mkdir(parents=True)
    (folder / "terraform-provider-ovh_v2.19.0").symlink_to(built)
    rc = tmp_path / "terraformrc"
    rc.write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n    include = ["registry.terraform.io/ovh/ovh"]\n  }\n}\n'
        % (tmp_path / "mirror")
    )
    return rc


def _workspace(tmp_path) -> pathlib.Path:
    """What the jobs check out: the recipes' files and the worked example."""
    work = tmp_path / "checkout"
    shutil.copytree(CI, work / "docs" / "ci")
    shutil.copytree(ROOT / "examples" / "rancher", work / "examples" / "rancher")
    return work


def _environment(tmp_path, rc) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVH_", "CONVERGENT_"))}
    env.update(
        PATH=f"{pathlib.Path(sys.executable).parent}:{env['PATH']}",
        HOME=str(tmp_path),
        TF_CLI_CONFIG_FILE=str(rc),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
    )
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


def _bash(script: str, cwd, env, timeout: float = 900) -> tuple[int, str, int]:
    """Run a step in a process group of its own: (exit status, output, group id)."""
    step = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    out, _ = step.communicate(timeout=timeout)
    return step.returncode, out, step.pid


@pytest.mark.slow
def test_the_github_actions_job_runs(tmp_path):
    rc = _provider_mirror(tmp_path)
    job = yaml.safe_load((CI / "github-actions.yml").read_text())["jobs"]["against-convergent"]
    work = _workspace(tmp_path)
    port = free_port()
    env = {**_environment(tmp_path, rc), **{k: str(v) for k, v in job["env"].items()}}
    env.update(CONVERGENT_PORT=str(port), API_URL=f"http://127.0.0.1:{port}", RUNNER_TEMP=str(tmp_path))
    github_env = tmp_path / "github_env"
    github_env.touch()
    env["GITHUB_ENV"] = str(github_env)
    service = None
    try:
        for step in job["steps"]:
            if "run" not in step or step["name"] == "Install":
                continue
            # GitHub exports what earlier steps appended to $GITHUB_ENV.
            exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines() if line)
            status, out, group = _bash(step["run"], work, {**env, **exported})
            if step["name"] == "Start convergent":
                service = group  # the server it started in the background lives on in its group
            assert status == 0, f"{step['name']}:\n{out[-4000:]}"
        assert "passed" in out and "failed" not in out, out[-2000:]
    finally:
        if service is not None:
            os.killpg(service, signal.SIGTERM)


@pytest.mark.slow
def test_the_gitlab_ci_job_runs(tmp_path):
    rc = _provider_mirror(tmp_path)
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["against-convergent"]
    work = _workspace(tmp_path)
    port = free_port()
    env = {**_environment(tmp_path, rc), **{k: str(v) for k, v in job["variables"].items()}}
    env.update(API_URL=f"http://127.0.0.1:{port}")
    # The service: its command without the install, on this machine's free port.
    command = job["services"][0]["command"][0].split("&&")[-1].strip().replace("/tmp/", f"{tmp_path}/")
    assert command.startswith("convergent serve")
    server = subprocess.Popen(
        ["bash", "-c", f"exec {command} --port {port}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        script = "\n".join(line for line in job["script"] if not any(i in line for i in INSTALLS))
        status, out, _ = _bash(script, work, env)
        assert status == 0, out[-4000:]
        assert "Apply complete! Resources: 1 added" in out
        assert "passed" in out and "failed" not in out, out[-2000:]
    finally:
        server.terminate()
        server.wait(15)
