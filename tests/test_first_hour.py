"""What a new user meets first, against real `convergent serve` processes: HTTPS with the local CA
(a real TLS handshake, python-ovh and OVHcloud's Node client from npm), an address in use, a
second process on the same database, structured logs."""

import json
import os
import pathlib
import shutil
import signal
import ssl
import subprocess
import sys
import time

import httpx
import ovh
import pytest
from processes import credential, free_port, signed, wait_for

pytestmark = pytest.mark.slow

NODE_OVH = "@ovhcloud/node-ovh@3.0.0"
WALK = pathlib.Path(__file__).parent / "node" / "walk.js"


def node_ovh() -> pathlib.Path:
    """node_modules holding @ovhcloud/node-ovh, installed from npm once into a cache outside the
    checkout; the test skips, saying why, where node or npm is missing or the registry unreachable."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run OVHcloud's Node client")
    cache = pathlib.Path(
        os.environ.get("CONVERGENT_NODE_CACHE", pathlib.Path.home() / ".cache" / "convergent-tests" / "node")
    )
    modules = cache / "node_modules"
    if not (modules / "@ovhcloud" / "node-ovh" / "package.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                ["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", NODE_OVH],
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install {NODE_OVH} timed out: the npm registry is unreachable")
        if done.returncode != 0:
            pytest.skip(f"npm install {NODE_OVH} failed (registry unreachable?): {done.stderr[-500:]}")
    return modules


@pytest.fixture
def tls_home(tmp_path):
    """Where serve --tls keeps its CA: XDG_DATA_HOME of the server process."""
    return tmp_path / "xdg"


def trusting(ca) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def tls_server(servers, db, tls_home, *args):
    env = {**os.environ, "XDG_DATA_HOME": str(tls_home)}
    return servers(db, "--tls", *args, env=env)


def test_tls_serves_https_with_a_kept_local_ca_that_clients_trust(tmp_path, servers, tls_home):
    db = tmp_path / "c.db"
    server = tls_server(servers, db, tls_home, "--instant")
    ca = tls_home / "convergent" / "tls" / "ca.pem"
    log = server.read_log()
    assert f"convergent serving https://127.0.0.1:{server.port}/v2" in log
    for variable in ("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE"):
        assert f"export {variable}={ca}" in log
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{server.url}/auth/time")  # the system's trust store does not know our CA
    for host in ("127.0.0.1", "localhost"):
        answer = httpx.get(f"https://{host}:{server.port}/auth/time", verify=trusting(ca))
        assert answer.status_code == 200 and abs(answer.json() - time.time()) < 5
    with httpx.Client(base_url=server.url, auth=signed(db), verify=trusting(ca)) as c:
        assert c.get("/v2/publicCloud/project").json() == []
    before = ca.read_bytes()
    server.stop()
    again = tls_server(servers, db, tls_home, "--instant")
    assert ca.read_bytes() == before, "the CA is made once and kept: a trust set up once holds"
    assert httpx.get(f"{again.url}/auth/time", verify=trusting(ca)).status_code == 200


def test_python_ovh_over_https_with_a_signed_key_and_with_oauth2(tmp_path, servers, tls_home, monkeypatch):
    db = tmp_path / "c.db"
    server = tls_server(servers, db, tls_home, "--instant")
    ca = tls_home / "convergent" / "tls" / "ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    keys = credential(db)
    monkeypatch.setitem(ovh.client.ENDPOINTS, "convergent-tls", f"{server.url}/1.0")
    signed_client = ovh.Client(
        endpoint="convergent-tls",
        application_key=keys["applicationKey"],
        application_secret=keys["applicationSecret"],
        consumer_key=keys["consumerKey"],
    )
    assert signed_client.get("/v2/publicCloud/project") == []
    service = json.loads(
        subprocess.run(
            [
                *(sys.executable, "-m", "convergent", "credential", "create", "--account", "xx1111-ovh"),
                *("--oauth2", "--json", "--database", str(db), "--endpoint", server.url),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert service["tokenUrl"] == f"{server.url}/auth/oauth2/token"
    monkeypatch.setitem(ovh.client.OAUTH2_TOKEN_URLS, "convergent-tls", service["tokenUrl"])
    bearer = ovh.Client(
        endpoint="convergent-tls", client_id=service["clientId"], client_secret=service["clientSecret"]
    )
    assert bearer.get("/v2/publicCloud/project") == []


def test_node_ovh_from_npm_walks_a_resource_over_tls(tmp_path, servers, tls_home):
    modules = node_ovh()
    db = tmp_path / "c.db"
    server = tls_server(servers, db, tls_home, "--time-scale", "0.05")
    keys = credential(db)
    env = {
        **os.environ,
        "NODE_PATH": str(modules),
        "NODE_EXTRA_CA_CERTS": str(tls_home / "convergent" / "tls" / "ca.pem"),
        "CONVERGENT_TEST_HOST": "127.0.0.1",
        "CONVERGENT_TEST_PORT": str(server.port),
        "OVH_APPLICATION_KEY": keys["applicationKey"],
        "OVH_APPLICATION_SECRET": keys["applicationSecret"],
        "OVH_CONSUMER_KEY": keys["consumerKey"],
    }
    done = subprocess.run(["node", str(WALK)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + server.read_log()
    out = json.loads(done.stdout)
    assert out["listedBefore"] == []
    assert out["created"] == "CREATING" and out["ready"] == "READY"
    assert out["updated"] == "UPDATING" and out["renamed"] == "r1-renamed"
    assert out["stale"]["error"] == 412, "a stale checksum surfaces as 412 in node-ovh"
    assert "checksum" in out["stale"]["message"].lower()
    assert out["listed"] == [out["id"]]
    assert out["deleting"] == "DELETING" and out["gone"]["error"] == 404


def test_an_address_in_use_is_reported_before_anything_claims_to_serve(tmp_path, servers):
    first = servers(tmp_path / "a.db", "--instant")
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "convergent",
            "serve",
            "--port",
            str(first.port),
            "--database",
            tmp_path / "b.db",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 2
    assert f"127.0.0.1:{first.port} is already in use" in second.stderr
    assert "serving" not in second.stderr and "First start" not in second.stderr, second.stderr
    assert not (tmp_path / "b.db").exists(), "nothing was created for a server that cannot listen"


def test_a_second_process_on_the_same_database_follows_the_first_ones_clock(tmp_path, servers):
    db = tmp_path / "c.db"
    realistic = servers(db)  # steps take their realistic time: a rancher is built in 21 s
    instant = servers(db, "--instant", "--workers", "0")
    assert "following the clock of" in instant.read_log()
    admin = {"Authorization": "Bearer " + admin_token(realistic.read_log())}
    assert httpx.get(f"{instant.url}/admin/health", headers=admin).json()["clock"]["mode"] == "realistic"
    with httpx.Client(base_url=instant.url, auth=signed(db)) as c:
        project = c.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}})
        url = f"/v2/publicCloud/project/{project.json()['id']}"
        time.sleep(1.5)
        assert c.get(url).json()["resourceStatus"] == "CREATING", "the project takes 3 s, not none"
        wait_for(lambda: c.get(url).json()["resourceStatus"] == "READY", timeout=15, what="READY")
    # Manual time set through one process is the clock of both.
    httpx.put(f"{realistic.url}/admin/clock", json={"mode": "manual"}, headers=admin).raise_for_status()
    seen = wait_for(
        lambda: (
            (c := httpx.get(f"{instant.url}/admin/clock", headers=admin).json())["mode"] == "manual" and c
        ),
        what="the manual clock in the second process",
    )
    assert seen["frozenAt"].endswith("Z")


def test_a_killed_holder_holds_no_clock(tmp_path, servers):
    db = tmp_path / "c.db"
    realistic = servers(db)
    token = admin_token(realistic.read_log())
    realistic.stop(signal.SIGKILL)
    instant = servers(db, "--instant", "--admin-token", token)  # well within the hold's 6 s
    assert "following the clock" not in instant.read_log()
    clock = httpx.get(f"{instant.url}/admin/clock", headers={"Authorization": f"Bearer {token}"}).json()
    assert clock["mode"] == "instant"


def admin_token(log: str) -> str:
    return log.split("Authorization: Bearer ", 1)[1].split()[0]


def test_json_logs_carry_query_id_account_route_status_and_duration(tmp_path, servers):
    db = tmp_path / "c.db"
    server = servers(db, "--instant", "--log-format", "json")
    with httpx.Client(base_url=server.url, auth=signed(db)) as c:
        answer = c.get("/v2/publicCloud/project")
        assert c.get("/v2/nowhere").status_code == 404
    server.stop(signal.SIGINT)
    lines = [json.loads(line) for line in server.read_log().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "convergent.access"]
    first = next(line for line in access if line["queryId"] == answer.headers["x-ovh-queryid"])
    assert first["account"] == "xx1111-ovh" and first["route"] == "/v2/publicCloud/project"
    assert first["status"] == 200 and first["durationMs"] > 0 and first["time"].endswith("Z")
    assert any(line["status"] == 404 and line["route"] == "(unmatched)" for line in access)
    assert free_port()  # the server let its port go
