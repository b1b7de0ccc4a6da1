"""What the provider's acceptance tests expect to exist, made on a real convergent: one account with
known keys, then orders (vRack Services, Enterprise File Storage, a VMware Cloud Director
organization, ...) and resources made through the API, and the `OVH_*` variables naming them."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from convergent.client import Client

__all__ = ["Server", "prepare", "CREDENTIAL_VARIABLES"]

ACCOUNT = "xx1111-ovh"

# The provider takes either keys or an OAuth2 client: the harness signs with keys.
CREDENTIAL_VARIABLES = {"OVH_CLIENT_ID", "OVH_CLIENT_SECRET", "OVH_ACCESS_TOKEN"}

# Names the tests take as given (no object behind them in convergent, or one the test orders itself).
FIXED = {
    "OVH_TESTACC_ORDER_VRACK_SERVICES": "true",  # lets the vRack Services order test run
    "OVH_VRACK_SERVICES_REGION": "eu-west-lim",
    "OVH_CLOUD_PROJECT_REGION_TEST": "GRA11",
    "OVH_CLOUD_GATEWAY_MODEL_TEST": "S",
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OrderFailed(Exception):
    """The server refused or failed an order the tests need."""


class Server:
    """`convergent serve --instant` on a free port and a new database in `workdir`."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = "cvgadm_" + secrets.token_urlsafe(18)
        self.keys = {
            "applicationKey": "ak" + secrets.token_hex(8),
            "applicationSecret": "as" + secrets.token_hex(16),
            "consumerKey": "ck" + secrets.token_hex(16),
        }
        fixtures = workdir / "fixtures.json"
        fixtures.write_text(json.dumps({"accounts": [{"account": ACCOUNT, "credentials": [self.keys]}]}))
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "convergent",
                "serve",
                "--instant",
                "--port",
                str(self.port),
                "--database",
                str(workdir / "convergent.db"),
                "--fixtures",
                str(fixtures),
                "--admin-token",
                self.admin_token,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/auth/time", timeout=1)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"convergent did not start:\n{self.log_path.read_text(errors='replace')}")

    def client(self) -> Client:
        k = self.keys
        return Client(self.url, k["applicationKey"], k["applicationSecret"], k["consumerKey"], timeout=30)

    def order(self, product: str) -> list[dict] | None:
        """Deliver a product through the admin surface; None when this server does not sell it."""
        answer = httpx.post(
            f"{self.url}/admin/provision/{product}",
            json={"account": ACCOUNT},
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise OrderFailed(f"ordering {product} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _one(delivered: list[dict] | None, name: str) -> dict | None:
    """The delivered resource of the kind named `name` (a kind's key is `section.name`)."""
    return next((d for d in delivered or () if d["kind"].rpartition(".")[2] == name), None)


def _rancher_in(api: Client, project: str, region: str) -> dict:
    """An OVHCloud Edition rancher in `region`, as TestAccDataSourceCloudProjectRancher_basic
    expects the one it names to be. The server picks a rancher's region: order until one lands there."""
    ranchers = f"/v2/publicCloud/project/{project}/rancher"
    for attempt in range(30):
        made = api.post(
            ranchers, {"targetSpec": {"name": f"acceptance-{attempt}", "plan": "OVHCLOUD_EDITION"}}
        )
        api.wait(f"{ranchers}/{made['id']}")
        if api.get(f"{ranchers}/{made['id']}")["currentState"]["region"] == region:
            return made
        api.delete(f"{ranchers}/{made['id']}")
    raise RuntimeError(f"no rancher landed in {region}")


def _second_flavor_and_image(server: Server, project: str, region: str) -> dict[str, str]:
    """The resize and rebuild targets of the instance tests: another flavor and image of the region."""
    ref = f"/v2/publicCloud/project/{project}/reference/instance"
    with server.client() as api:
        try:
            flavors = {f["name"]: f["id"] for f in api.get(f"{ref}/flavor", region=region)}
            images = {i["name"]: i["id"] for i in api.get(f"{ref}/image", region=region)}
        except Exception:  # a server without the compute catalog: the tests fall back to one flavor
            return {}
    out = {}
    if "b3-16" in flavors:
        out["OVH_INSTANCE_FLAVOR_ID_2_TEST"] = flavors["b3-16"]
    if "Ubuntu 24.04" in images:
        out["OVH_INSTANCE_IMAGE_ID_2_TEST"] = images["Ubuntu 24.04"]
        out["OVH_CLOUD_PROJECT_GLANCE_IMAGE_ID_TEST"] = images["Ubuntu 24.04"]  # a volume made from it
    return out


def _zones(server: Server, project: str, region: str) -> dict[str, str]:
    """The availability-zone tests' two zones, when the region has named zones: in a one-zone region
    (`nova`) a zone cannot be chosen, and the tests run their part without one."""
    with server.client() as api:
        try:
            zones = api.get(f"/v2/publicCloud/project/{project}/reference/region/{region}")
        except Exception:  # a server without the region catalog
            return {}
    named = [zone for zone in zones.get("availabilityZones", []) if zone != "nova"]
    if len(named) < 2:
        return {}
    return {"OVH_INSTANCE_AZ_TEST": named[0], "OVH_INSTANCE_AZ_2_TEST": named[1]}


def prepare(server: Server, notes: list[str]) -> dict[str, str]:
    """Make the objects the tests name, and return the `OVH_*` variables (credentials included)."""
    env = {
        "OVH_ENDPOINT": f"{server.url}/1.0",
        "OVH_APPLICATION_KEY": server.keys["applicationKey"],
        "OVH_APPLICATION_SECRET": server.keys["applicationSecret"],
        "OVH_CONSUMER_KEY": server.keys["consumerKey"],
        **FIXED,
    }

    def ordered(product: str, kind: str, field: str = "id") -> str | None:
        try:
            found = _one(server.order(product), kind)
        except OrderFailed as error:
            notes.append(f"{error}: the tests naming one fail")
            return None
        if found is None:
            notes.append(f"this server does not deliver {product!r}: the tests naming one fail")
            return None
        return found[field]

    def put(name: str, value: str | None, placeholder: str) -> None:
        # A test whose variable is unset skips, and a skip is not a pass: name something anyway.
        env[name] = value if value is not None else placeholder

    with server.client() as api:
        project = api.post(
            "/v2/publicCloud/project", {"targetSpec": {"name": "acceptance", "mode": "CLASSIC"}}
        )
        api.wait(f"/v2/publicCloud/project/{project['id']}")
        rancher = _rancher_in(api, project["id"], "EU_WEST_SBG")
    env["OVH_CLOUD_PROJECT_SERVICE_TEST"] = project["id"]
    env["OVH_CLOUD_PROJECT_SERVICE"] = project["id"]
    env["OVH_CLOUD_PROJECT_RANCHER_TEST"] = rancher["id"]
    put(
        "OVH_CLOUD_PUBLIC_IP_ADDITIONAL_TEST",
        ordered("publicCloudAdditionalIp", "additionalIp"),
        "192.0.2.10",
    )
    # An instance may boot on a public IP the project owns: the additional IP.
    env["OVH_CLOUD_PROJECT_OWNED_PUBLIC_IP_TEST"] = env["OVH_CLOUD_PUBLIC_IP_ADDITIONAL_TEST"]
    env.update(_second_flavor_and_image(server, project["id"], env["OVH_CLOUD_PROJECT_REGION_TEST"]))
    env.update(_zones(server, project["id"], env["OVH_CLOUD_PROJECT_REGION_TEST"]))

    put("OVH_TESTACC_VRACK_SERVICES_ID_TEST", ordered("vrackServices", "vrackServices"), "vrs-missing")
    put("OVH_VRACKSERVICES_SERVICE_TEST", ordered("vrackServices", "vrackServices"), "vrs-missing")
    put("OVH_STORAGE_EFS_SERVICE_TEST", ordered("storageNetApp", "storageNetApp"), "efs-missing")
    vcd = server.order("vmwareCloudDirector")
    put("OVH_VCD_ORGANIZATION", (_one(vcd, "organization") or {}).get("id"), "org-missing")
    put("OVH_VCD_BACKUP", (_one(vcd, "backup") or {}).get("id"), "vcd-backup-missing")
    put("OVH_VRACK_SERVICE_TEST", ordered("vrack", "vrack"), "pn-000000")
    put("OVH_VPS", ordered("vps", "vps"), "vps-missing.vps.ovh.net")
    put(
        "OVH_IAM_RESOURCE_OVH_PREFIXED_IP_URN_TEST",
        ordered("ip", "ip", "urn"),
        "urn:v1:eu:resource:ip:192.0.2.1/32",
    )
    return env
