"""The README's walk, as a newcomer runs it: its shell and Python blocks from "A walk with curl"
to the Terraform section, in order, in one bash, twice on one database."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from processes import free_port

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def walk_script(port: int) -> str:
    text = README.read_text()
    walk = text[text.index("## A walk with curl") : text.index("## Emulator controls")]
    parts = []
    for language, body in re.findall(r"```(sh|python)\n(.*?)```", walk, re.S):
        if language == "python":
            body = f"python - <<'PY'\n{body}PY\n"
        parts.append(body)
    script = "\n".join(parts)
    # The test's own checkout provides .venv (on PATH) and a free port instead of 8080.
    script = script.replace("make setup && . .venv/bin/activate", ":")
    return script.replace("127.0.0.1:8080", f"127.0.0.1:{port}")


def test_the_readme_walk_runs_twice_on_one_database(tmp_path):
    for tool in ("curl", "jq", "terraform"):
        if shutil.which(tool) is None:
            pytest.skip(f"the README's walk uses {tool}, not found on PATH")
    port = free_port()
    script = walk_script(port)
    assert "convergent serve" in script and "terraform -chdir=tf apply" in script
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OVH_", "CONVERGENT_", "TF_"))},
        "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "CONVERGENT_PORT": str(port),
        "CHECKPOINT_DISABLE": "1",
    }
    runs = []
    for _ in range(2):
        done = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        runs.append(done)
        out, err = done.stdout, done.stderr
        assert done.returncode == 0, err
        assert not re.search(r"error|Traceback|already in use", err, re.I), err
        for seen in ('"CREATING"', '"READY"', '"UPDATING"', '"DELETING"', "\n404\n", "Apply complete!"):
            assert seen in out, (seen, out)
        assert re.search(r"(?im)^x-pagination-cursor-next: \S+", out), "the page of one said more remain"
        assert re.search(r'^\{"name":"[^"]+","status":"RUNNING"\}$', out, re.M), "named steps, one running"
    assert "3 to create" in runs[0].stdout and "Applied" in runs[0].stdout
    assert "0 to create, 0 to update, 3 unchanged" in runs[1].stdout, "found again by name: nothing to do"
    assert "No changes." in runs[1].stdout, "Terraform finds what it made"
