"""Deploy a managed Rancher in a new Public Cloud project with python-ovh, and wait for it.

The code under test of docs/testing.md's worked example: nothing in it knows about convergent.
"""

from __future__ import annotations

import time
import warnings

SCHEMAS_VERSION = "1.0"  # the publicCloud schemas version this code was written against


class CallFailed(Exception):
    """An API call answered an error: `status` and OVHcloud's error `cls` (e.g. Client::NotFound)."""

    def __init__(self, status: int, body: dict):
        self.status, self.cls = status, body.get("class", "")
        super().__init__(f"{status} {self.cls}: {body.get('message')}")


class DeployFailed(Exception):
    """A resource ended in ERROR: `errors` are its failed task's messages."""

    def __init__(self, path: str, errors: list[str]):
        self.path, self.errors = path, errors
        super().__init__(f"{path} failed: {'; '.join(errors)}")


def call(client, method: str, path: str, body: dict | None = None):
    """One call pinned to SCHEMAS_VERSION; warns when OVHcloud says that version is deprecated."""
    response = client.raw_call(method, path, body, headers={"X-Schemas-Version": SCHEMAS_VERSION})
    if "Deprecation" in response.headers:
        warnings.warn(
            f"{method} {path}: schemas version {response.headers.get('X-Schemas-Version')} is deprecated "
            f"(sunset {response.headers.get('Sunset')}); see {response.headers.get('Link')}",
            DeprecationWarning,
            stacklevel=2,
        )
    payload = response.json() if response.content else None
    if response.status_code >= 400:
        raise CallFailed(response.status_code, payload or {})
    return payload


def wait_ready(client, path: str, timeout: float = 3600.0) -> dict:
    """Poll `path` until READY with no task in flight (first quickly, then up to every 10 s)."""
    delay, deadline = 0.005, time.monotonic() + timeout
    while True:
        resource = call(client, "GET", path)
        if resource["resourceStatus"] == "READY" and not resource["currentTasks"]:
            return resource
        if resource["resourceStatus"] == "ERROR":
            tasks = call(client, "GET", f"{path}/task")
            raise DeployFailed(path, [e["message"] for t in tasks for e in t.get("errors", [])])
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} still {resource['resourceStatus']} after {timeout} s")
        time.sleep(delay)
        delay = min(delay * 2, 10.0)


def deploy_rancher(client, project_name: str, rancher_name: str, plan: str = "STANDARD") -> tuple[dict, dict]:
    """A new project and a Rancher in it, both READY."""
    project = call(
        client, "POST", "/v2/publicCloud/project", {"targetSpec": {"name": project_name, "mode": "CLASSIC"}}
    )
    project = wait_ready(client, f"/v2/publicCloud/project/{project['id']}")
    ranchers = f"/v2/publicCloud/project/{project['id']}/rancher"
    rancher = call(client, "POST", ranchers, {"targetSpec": {"name": rancher_name, "plan": plan}})
    return project, wait_ready(client, f"{ranchers}/{rancher['id']}")


def change_plan(client, path: str, plan: str, attempts: int = 5) -> dict:
    """Read, change the plan, write with the checksum read; on 412 (changed meanwhile) start again."""
    for _ in range(attempts):
        current = wait_ready(client, path)
        try:
            call(
                client,
                "PUT",
                path,
                {"checksum": current["checksum"], "targetSpec": {**current["targetSpec"], "plan": plan}},
            )
        except CallFailed as error:
            if error.status == 412:
                continue
            raise
        return wait_ready(client, path)
    raise RuntimeError(f"{path}: still changed by someone else after {attempts} attempts")
