"""An instance's creation survives kill -9 of a real `convergent serve` and resumes where it stopped."""

import os
import signal

import httpx
import pytest
from processes import signed, wait_for

pytestmark = pytest.mark.slow


def test_kill_9_while_an_instance_boots_then_restart_finishes_its_creation(tmp_path, servers):
    db = tmp_path / "c.db"
    auth = signed(db)
    server = servers(db, "--time-scale", "0.2")  # the boot step lasts about 4 seconds
    with httpx.Client(base_url=server.url, auth=auth) as c:
        projects = "/v2/publicCloud/project"
        project = c.post(projects, json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}).json()["id"]
        wait_for(lambda: c.get(f"{projects}/{project}").json()["resourceStatus"] == "READY")
        ref = f"{projects}/{project}/reference/instance"
        flavor = next(f["id"] for f in c.get(f"{ref}/flavor?region=GRA11").json() if f["name"] == "b3-8")
        image = next(i["id"] for i in c.get(f"{ref}/image?region=GRA11").json() if i["name"] == "Debian 13")
        spec = {
            "name": "web-1",
            "flavor": {"id": flavor},
            "image": {"id": image},
            "location": {"region": "GRA11"},
            "networks": [{"autoAssignPublicIp": True}],
        }
        made = c.post(f"{projects}/{project}/compute/instance", json={"targetSpec": spec})
        assert made.status_code == 200, made.text
        url = f"{projects}/{project}/compute/instance/{made.json()['id']}"
        link = c.get(url).json()["currentTasks"][0]["link"]

        def booting():
            progress = [p["status"] for p in c.get(link).json()["progress"]]
            return progress[:3] == ["DONE", "DONE", "RUNNING"]

        wait_for(booting, what="the boot step")
        ports = c.get(url).json()["currentState"]["networks"]
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()

    again = servers(db, "--instant")
    with httpx.Client(base_url=again.url, auth=auth) as c:
        done = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)
        task = c.get(link).json()
        assert task["status"] == "DONE"
        assert [p["name"] for p in task["progress"]] == [
            "Check target specification",
            "Create ports",
            "Boot instance",
        ]
        assert [p["status"] for p in task["progress"]] == ["DONE"] * 3
        state = done["currentState"]
        assert state["powerState"] == "ACTIVE" and state["flavor"]["name"] == "b3-8"
        assert state["networks"] == ports  # the ports made before the kill are the ones kept
