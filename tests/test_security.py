"""The security suite: each finding of the hardening issue (#14), reproduced and answered.

Where a finding is about the process (memory, timing, sockets, start-up) the test runs a real
`convergent serve`; where it is about an answer, the app in-process (on both engines).
"""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from processes import Server, free_port

from convergent.auth import accounts

ACCOUNT = "xx1111-ovh"
MB = 1 << 20

pytestmark = pytest.mark.anyio


# --- helpers ---------------------------------------------------------------------------------


class Announced(Server):
    """A real server on a new database, with what its first start announced."""

    def __init__(self, database, *args):
        super().__init__(database, "--instant", *args)
        log = self.read_log()

        def field(label: str) -> str:
            return re.search(rf"^\s*{label}\s+(\S+)", log, re.MULTILINE).group(1)

        self.password = field("owner password")
        self.application_key = field("application key")
        self.consumer_key = field("consumer key")
        self.application_secret = field("application secret")

    def rss(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.stop()
        self.log.close()


@pytest.fixture
def start(tmp_path):
    started = []

    def start(*args) -> Announced:
        server = Announced(tmp_path / f"db{len(started)}.db", *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def raw_request(port: int, head: bytes, timeout: float = 5.0) -> bytes:
    """Send `head` on a fresh connection and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        return _read_all(sock)


def _read_all(sock) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def status_and_json(answer: bytes) -> tuple[int, dict]:
    import json

    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def pending_key(server: Announced, **extra) -> dict:
    """A consumer key requested by the announced application: its validation URL and key."""
    r = httpx.post(
        f"{server.url}/1.0/auth/credential",
        json={"accessRules": [{"method": "GET", "path": "/*"}], **extra},
        headers={"X-Ovh-Application": server.application_key},
    )
    assert r.status_code == 200, r.text
    return r.json()


class Browser:
    """The validation page as a browser uses it: open it (its CSRF cookie kept), submit it."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client()
        page = self.http.get(url)
        assert page.status_code == 200, page.text
        self.fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        self.page = page

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def submit(self, login: str, password: str, **extra) -> httpx.Response:
        data = {**self.fields, "login": login, "password": password, "duration": "unlimited"}
        return self.http.post(
            f"{self.url.split('/auth/')[0]}/auth/validate", data={**data, "decision": "grant", **extra}
        )


# --- 1. bodies are bounded while read, before any authentication ---------------------------


def _upload(port: int, head: bytes, total: int, chunked: bool, sent: list) -> None:
    piece = b"x" * 65536
    count = 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(head)
            while count < total:
                sock.sendall(b"10000\r\n" + piece + b"\r\n" if chunked else piece)
                count += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            _read_all(sock)
    except OSError:
        pass  # the server answered 413 and closed: what we want
    sent.append(count)


@pytest.mark.slow
def test_four_concurrent_100_mb_uploads_cost_the_server_little_memory(start):
    server = start()
    port = server.port
    for _ in range(3):  # warm up: the first calls import and cache what they use
        httpx.get(f"{server.url}/auth/time")
    baseline = server.rss()
    size = 100 * MB
    form = "application/x-www-form-urlencoded"
    heads = [
        f"POST /auth/oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: {form}\r\nContent-Length: {size}\r\n\r\n",
        f"POST /auth/validate HTTP/1.1\r\nHost: x\r\nContent-Type: {form}\r\nContent-Length: {size}\r\n\r\n",
        "POST /v2/publicCloud/project HTTP/1.1\r\nHost: x\r\nX-Ovh-Application: "
        f"{server.application_key}\r\nX-Ovh-Consumer: {server.consumer_key}\r\n"
        f"X-Ovh-Timestamp: {int(time.time())}\r\nX-Ovh-Signature: $1$0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /v2/publicCloud/project HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    ]
    sent: list[int] = []
    threads = [
        threading.Thread(target=_upload, args=(port, head.encode(), size, "chunked" in head, sent))
        for head in heads
    ]
    peak = baseline
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, server.rss())
        time.sleep(0.01)
    assert len(sent) == 4
    assert peak - baseline < 50 * MB, f"memory grew by {(peak - baseline) / MB:.0f} MB"
    assert min(sent) < size, "every upload was cut short"
    assert httpx.get(f"{server.url}/auth/time").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/auth/oauth2/token", "/auth/validate", "/1.0/auth/credential", "/v2/publicCloud/project"],
)
async def test_a_body_too_large_is_refused_before_authentication(connect, credentials, path):
    raw = connect()
    declared = await raw.post(path, content=b"x" * (MB + 1))
    assert declared.status_code == 413
    assert declared.json()["class"] == "Client::PayloadTooLarge"
    assert declared.headers["connection"] == "close"

    async def chunks():
        for _ in range(40):
            yield b"y" * 65536

    # No Content-Length: read until the limit. A signed request's body is read before its
    # signature is checked, so this one is refused for its size, not its (bogus) signature.
    issued = await credentials()
    signed_headers = {
        "X-Ovh-Application": issued.application_key,
        "X-Ovh-Consumer": issued.consumer_key,
        "X-Ovh-Timestamp": str(int(time.time())),
        "X-Ovh-Signature": "$1$00",
    }
    chunked = await raw.post(path, content=chunks(), headers=signed_headers)
    assert chunked.status_code == 413 and chunked.json()["class"] == "Client::PayloadTooLarge"


async def test_a_small_body_still_works_and_max_body_is_configurable(tmp_path):
    from conftest import serve_sections

    from convergent.sections import builtin_sections

    async with serve_sections(tmp_path / "small.db", builtin_sections(), max_body=100) as (client, _):
        body = {"targetSpec": {"name": "p", "mode": "CLASSIC"}}
        assert (await client.post("/v2/publicCloud/project", json=body)).status_code == 200
        refused = await client.post("/v2/publicCloud/project", json={**body, "pad": "x" * 100})
        assert refused.status_code == 413 and refused.json()["details"] == {"limit": "100"}


# --- 6. headers that carry a number are read strictly ----------------------------------------


@pytest.mark.parametrize("stamp", ["9" * 400, "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰", "١٧٠٠٠٠٠٠٠٠", " 1700000000", "-1", "1e9"])
async def test_a_timestamp_that_is_not_plain_digits_is_refused_not_a_500(app, connect, credentials, stamp):
    issued = await credentials()
    headers = {
        "X-Ovh-Application": issued.application_key,
        "X-Ovh-Consumer": issued.consumer_key,
        "X-Ovh-Timestamp": stamp.encode(),
        "X-Ovh-Signature": "$1$00",
    }
    r = await connect().get("/1.0/me", headers=headers)
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_SIGNATURE"


@pytest.mark.parametrize("size", ["¹0", "9" * 400, "1_000", "+5", "٥"])
async def test_a_page_size_that_is_not_plain_digits_is_refused(client, size):
    r = await client.get("/v2/publicCloud/project", headers={"X-Pagination-Size": size.encode()})
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::InvalidPaginationSize"


@pytest.mark.parametrize("version", ["¹.0", "1.⁰", "9" * 400 + ".0"])
async def test_a_schemas_version_that_is_not_plain_digits_is_refused(client, version):
    r = await client.get("/v2/publicCloud/project", headers={"X-Schemas-Version": version.encode()})
    assert r.status_code == 400


# --- 2. passwords: off the event loop, constant work, throttled, locked out, recorded -------


@pytest.mark.slow
def test_the_tenth_wrong_password_is_delayed_and_the_twentieth_locked_out(start):
    server = start("--login-delay", "0.02", "--login-lockout", "120")
    took = []
    with Browser(pending_key(server)["validationUrl"]) as browser:
        for attempt in range(1, 20):
            began = time.monotonic()
            wrong = browser.submit(ACCOUNT, "not-the-password")
            took.append(time.monotonic() - began)
            assert wrong.status_code == 403, (attempt, wrong.status_code)
            assert "Wrong account, user or password" in wrong.text
        # The first five cost the password check only; the tenth waits 0.02 * 2**4 s more.
        assert took[9] >= 0.3 > statistics.median(took[:5]) / 2
        twentieth = browser.submit(ACCOUNT, "not-the-password")
        assert twentieth.status_code == 429 and int(twentieth.headers["Retry-After"]) > 100
        assert "Too many failed attempts" in twentieth.text
        # Locked out: even the right password is refused now.
        assert browser.submit(ACCOUNT, server.password).status_code == 429
    # The account's events say so.
    from convergent.client import Client

    with Client(
        server.url,
        application_key=server.application_key,
        application_secret=server.application_secret,
        consumer_key=server.consumer_key,
    ) as owner:
        kinds = [e["kind"] for e in owner.get("/1.0/me/event") if e["type"] == "AUTHENTICATION"]
    assert kinds.count("LOGIN_FAILURE") == 19 and kinds.count("LOGIN_LOCKOUT") == 1


@pytest.mark.slow
def test_unknown_accounts_cost_as_much_as_real_ones(start):
    server = start()
    with Browser(pending_key(server)["validationUrl"]) as browser:

        def timed(login: str) -> float:
            began = time.monotonic()
            assert browser.submit(login, "wrong-password").status_code == 403
            return time.monotonic() - began

        real = min(timed(ACCOUNT) for _ in range(2))
        unknown = min(timed(login) for login in ("zz9999-ovh", f"{ACCOUNT}/nobody"))
    assert unknown > real / 2, f"unknown {unknown * 1000:.1f} ms, real {real * 1000:.1f} ms"


@pytest.mark.slow
def test_auth_time_stays_fast_while_four_guessers_run(start):
    # No delay nor lockout here: the guessers keep the password hash busy all along.
    server = start("--login-delay", "0", "--login-lockout-at", "1000000")
    url = pending_key(server)["validationUrl"]
    stop = threading.Event()
    guesses = []

    def guess():
        with Browser(url) as browser:
            while not stop.is_set():
                assert browser.submit(ACCOUNT, "wrong-guess").status_code == 403
                guesses.append(1)

    guessers = [threading.Thread(target=guess) for _ in range(4)]
    for thread in guessers:
        thread.start()
    try:
        time.sleep(0.5)
        latencies = []
        with httpx.Client() as http:
            for _ in range(60):
                began = time.monotonic()
                assert http.get(f"{server.url}/auth/time").status_code == 200
                latencies.append(time.monotonic() - began)
                time.sleep(0.01)
    finally:
        stop.set()
        for thread in guessers:
            thread.join()
    assert len(guesses) >= 8, "the guessers ran"
    assert statistics.median(latencies) < 0.020, f"median {statistics.median(latencies) * 1000:.1f} ms"


@pytest.mark.slow
def test_oauth2_secrets_and_application_keys_are_throttled_too(start):
    server = start("--login-delay", "0.01", "--login-lockout", "120")
    token = f"{server.url}/auth/oauth2/token"
    form = {"grant_type": "client_credentials", "client_id": "EU.0123456789abcdef"}
    answers = [httpx.post(token, data={**form, "client_secret": f"guess{i}"}) for i in range(19)]
    assert {a.status_code for a in answers} == {401}
    locked = httpx.post(token, data={**form, "client_secret": "guess"})
    assert locked.status_code == 429 and locked.headers["Retry-After"]
    assert locked.json()["class"] == "Client::TooManyRequests"
    # The address is locked out too: guessing application keys from it is refused as well.
    refused = httpx.post(
        f"{server.url}/1.0/auth/credential",
        json={"accessRules": [{"method": "GET", "path": "/*"}]},
        headers={"X-Ovh-Application": "guessed-key"},
    )
    assert refused.status_code == 429


# --- 9. the validation page: CSP, frames, CSRF, redirections ---------------------------------


async def _pending(app, raw, **extra) -> httpx.Response:
    store = app.state.ctx.store
    await accounts.ensure_account(store, ACCOUNT, time.time(), "owner-password")
    application = await accounts.create_application(store, ACCOUNT, "app", "", time.time())
    return await raw.post(
        "/1.0/auth/credential",
        json={"accessRules": [{"method": "GET", "path": "/*"}], **extra},
        headers={"X-Ovh-Application": application.key},
    )


@pytest.mark.parametrize(
    "redirection",
    ["javascript:alert(1)", "//elsewhere.example/x", "data:text/html,hi", "/relative", "https:///nohost"],
)
async def test_a_redirection_that_is_not_an_http_url_is_refused(app, connect, redirection):
    r = await _pending(app, connect(), redirection=redirection)
    assert r.status_code == 400 and r.json()["details"]["field"] == "redirection"


async def test_the_validation_page_forbids_frames_and_scripts_and_needs_its_csrf_token(app, connect):
    raw = connect()
    answer = (await _pending(app, raw, redirection="https://app.example/done?x=1")).json()
    url = urlsplit(answer["validationUrl"])
    page = await raw.get(f"{url.path}?{url.query}")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert "form-action 'self' https://app.example" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    grant = {**fields, "login": ACCOUNT, "password": "owner-password", "decision": "grant"}

    forged = connect()  # another site's form: no cookie of ours
    refused = await forged.post("/auth/validate", data=grant)
    assert refused.status_code == 403 and "Form expired" in refused.text
    other_origin = await raw.post("/auth/validate", data=grant, headers={"Origin": "https://evil.example"})
    assert other_origin.status_code == 403

    granted = await raw.post("/auth/validate", data=grant)
    assert granted.status_code == 303 and granted.headers["location"] == "https://app.example/done?x=1"


# --- 10. server limits: header size, header read time, connections ---------------------------


@pytest.mark.slow
def test_large_headers_slow_clients_and_too_many_connections_are_cut_off(start):
    server = start("--header-timeout", "2", "--max-connections", "400")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /auth/time HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 17000)
        time.sleep(0.2)
        sock.sendall(b"a")
        status, body = status_and_json(_read_all(sock))
    assert status == 431 and body["class"] == "Client::RequestHeaderFieldsTooLarge"

    # A 50 MB header: the server stops reading long before.
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        try:
            sock.sendall(b"GET /auth/time HTTP/1.1\r\nHost: x\r\nX-Big: ")
            while sent < 50 * MB:
                sock.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass
    assert sent < 5 * MB

    # 300 connections sending their headers a byte at a time are closed after the header timeout.
    slow = []
    began = time.monotonic()
    closed = set()
    try:
        slow += [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(300)]
        while len(closed) < len(slow) and time.monotonic() - began < 15:
            for i, sock in enumerate(slow):
                if i in closed:
                    continue
                try:
                    sock.sendall(b"G")
                except OSError:
                    closed.add(i)
            assert httpx.get(f"{server.url}/auth/time", timeout=5).status_code == 200
            time.sleep(0.5)
    finally:
        for sock in slow:
            sock.close()
    assert len(closed) == 300 and time.monotonic() - began < 10


@pytest.mark.slow
def test_connections_beyond_the_limit_get_503(start):
    server = start("--max-connections", "20")
    idle = []
    try:
        idle += [socket.create_connection(("127.0.0.1", server.port)) for _ in range(25)]
        time.sleep(0.3)
        assert httpx.get(f"{server.url}/auth/time").status_code == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(f"{server.url}/auth/time").status_code == 200


# --- 7. storage faults: 503 or 507 with Retry-After, one line at start -----------------------


@pytest.mark.parametrize(
    "pragma,status,cls",
    [
        ("query_only = 1", 503, "Server::ServiceUnavailable"),
        ("max_page_count = {pages}", 507, "Server::InsufficientStorage"),
    ],
)
async def test_a_read_only_or_full_database_answers_503_or_507(tmp_path, pragma, status, cls):
    from conftest import serve_sections

    from convergent.sections import builtin_sections

    async with serve_sections(tmp_path / "fault.db", builtin_sections()) as (client, ctx):
        pages = ctx.store.db.execute("PRAGMA page_count").fetchone()[0]
        ctx.store.db.execute(f"PRAGMA {pragma.format(pages=pages)}")
        big = {"targetSpec": {"name": "p" * 60, "mode": "CLASSIC"}}
        answers = [await client.post("/v2/publicCloud/project", json=big) for _ in range(30)]
        failed = [a for a in answers if a.status_code != 200]
        assert failed, "the fault was reached"
        assert {a.status_code for a in failed} == {status}
        assert failed[0].json()["class"] == cls and failed[0].headers["Retry-After"]
        assert "sqlite" not in failed[0].text.lower()
        ctx.store.db.execute("PRAGMA query_only = 0")
        ctx.store.db.execute("PRAGMA max_page_count = 1073741823")
        assert (await client.post("/v2/publicCloud/project", json=big)).status_code == 200


@pytest.mark.parametrize("make", ["directory", "not a database", "unreachable folder"])
def test_an_unusable_database_at_start_is_one_line_of_error(tmp_path, make):
    path = tmp_path / "db"
    if make == "directory":
        path.mkdir()
    elif make == "not a database":
        path.write_bytes(b"this is not SQLite" * 100)
    else:
        blocker = tmp_path / "file"
        blocker.write_text("")
        path = blocker / "sub" / "x.db"
    result = subprocess.run(
        [sys.executable, "-m", "convergent", "serve", "--database", str(path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.stderr


# --- 3. IAM conditions: validated on write, denying when not understood ---------------------


def _policy(conditions) -> dict:
    return {
        "name": "limited",
        "identities": [f"urn:v1:eu:identity:user:{ACCOUNT}/alice"],
        "resources": [{"urn": "urn:v1:eu:resource:publicCloudProject:*"}],
        "permissions": {"allow": [{"action": "publicCloudProject:apiovh:get"}]},
        "conditions": conditions,
    }


_PROD = {"resource.Tag(environment)": "prod"}


@pytest.mark.parametrize(
    "conditions,field",
    [
        ({"operator": "MATCH", "value": _PROD}, "conditions.value"),  # misspelt `values`
        ({"operator": "MATCH"}, "conditions"),
        ({"operator": "MATCH", "values": {}}, "conditions"),
        ({"operator": "AND", "conditions": []}, "conditions"),
        ({"operator": "AND", "conditions": [{"operator": "OR"}]}, "conditions.conditions[0]"),
        ({"operator": "XOR", "values": _PROD}, "conditions.operator"),
        ({"operator": "MATCH", "values": {"resource.Nmae": "x"}}, "conditions"),
    ],
)
async def test_a_malformed_policy_condition_is_refused_naming_the_field(client, conditions, field):
    r = await client.post("/v2/iam/policy", json=_policy(conditions))
    assert r.status_code == 400, r.text
    assert r.json()["class"] == "Client::BadRequest::InvalidInput"
    assert r.json()["details"]["field"] == field, r.json()
    assert (await client.get("/v2/iam/policy")).json() == [], "nothing was stored"


async def test_a_well_formed_condition_is_stored_as_sent(client):
    conditions = {"operator": "AND", "conditions": [{"operator": "MATCH", "values": _PROD}]}
    r = await client.post("/v2/iam/policy", json=_policy(conditions))
    assert r.status_code == 200, r.text
    assert r.json()["conditions"] == conditions


def test_the_condition_shape_is_the_references(reference):
    import typing

    import msgspec

    from convergent.sections.iam.models import Condition

    schemas = reference("iam")["components"]["schemas"]
    declared = schemas["iam.policy.Condition"]["properties"]
    assert {f.encode_name for f in msgspec.structs.fields(Condition)} == set(declared)
    operators = schemas["iam.policy.Condition.OperatorEnum"]["enum"]
    assert set(typing.get_args(typing.get_type_hints(Condition)["operator"])) == set(operators)


# --- 4. identities stay dead: their keys and tokens end with them ----------------------------


async def _user_key(app, client, connect, login: str) -> httpx.AsyncClient:
    """A consumer key validated on the page by user `login`, and a client signed with it."""
    r = await client.post(
        "/1.0/me/identity/user",
        json={"login": login, "email": f"{login}@x.example", "password": "password-1"},
    )
    assert r.status_code == 200, r.text
    raw = connect()
    asked = (await _pending(app, raw)).json()
    link = urlsplit(asked["validationUrl"])
    page = await raw.get(f"{link.path}?{link.query}")
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    granted = await raw.post(
        "/auth/validate",
        data={**fields, "login": f"{ACCOUNT}/{login}", "password": "password-1", "decision": "grant"},
    )
    assert granted.status_code == 200, granted.text
    application = await app.state.ctx.objects.by_key(accounts.CREDENTIALS, asked["consumerKey"])
    owner_app = await app.state.ctx.objects.find(
        accounts.APPLICATIONS, None, str(application.body["applicationId"])
    )
    issued = accounts.Issued(ACCOUNT, owner_app.key, owner_app.body["secret"], asked["consumerKey"])
    return connect(issued)


async def test_a_deleted_users_keys_do_not_come_back_with_a_new_user_of_the_same_login(app, client, connect):
    alice = await _user_key(app, client, connect, "alice")
    assert (await alice.get("/1.0/auth/details")).json()["user"] == "alice"
    assert (await client.delete("/1.0/me/identity/user/alice")).status_code == 200
    assert (await alice.get("/1.0/auth/details")).json()["errorCode"] == "INVALID_CREDENTIAL"
    again = await client.post(
        "/1.0/me/identity/user", json={"login": "alice", "email": "a@x.example", "password": "password-2"}
    )
    assert again.status_code == 200
    assert (await alice.get("/1.0/auth/details")).json()["errorCode"] == "INVALID_CREDENTIAL"
    assert (await client.get("/1.0/me/api/credential")).status_code == 200


async def test_a_deleted_service_accounts_tokens_end_with_it(app, client, connect):
    created = (
        await client.post(
            "/1.0/me/api/oauth2/client",
            json={"name": "ci", "flow": "CLIENT_CREDENTIALS", "description": "ci"},
        )
    ).json()
    form = {
        "grant_type": "client_credentials",
        "client_id": created["clientId"],
        "client_secret": created["clientSecret"],
    }
    token = (await connect().post("/auth/oauth2/token", data=form)).json()["access_token"]
    bearer = connect(headers={"Authorization": f"Bearer {token}"})
    assert (await bearer.get("/1.0/auth/details")).status_code == 200
    assert (await client.delete(f"/1.0/me/api/oauth2/client/{created['clientId']}")).status_code == 200
    assert (await bearer.get("/1.0/auth/details")).status_code == 401
    token_item = await app.state.ctx.store.get_item(accounts.OAUTH2_TOKEN, accounts.token_id(token))
    assert token_item is None, "the token row went with its client"


# --- 5. bounded free lists; pending keys expire; expired tokens and keys are collected -------


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"accessRules": [{"method": "GET", "path": "/" + "a" * 999}] * 1000}, "accessRules"),
        ({"accessRules": [{"method": "GET", "path": "/" + "a" * 1024}]}, "accessRules[0].path"),
        ({"allowedIPs": ["192.0.2.1"] * 257}, "allowedIPs"),
    ],
)
async def test_credential_requests_are_bounded(app, connect, extra, field):
    r = await _pending(app, connect(), **extra)
    assert r.status_code == 400 and r.json()["details"]["field"] == field, r.text


async def test_pending_keys_expire_and_expired_tokens_and_keys_are_collected(app, client, connect):
    ctx = app.state.ctx
    raw = connect()
    asked = (await _pending(app, raw)).json()
    link = urlsplit(asked["validationUrl"])
    created = (
        await client.post(
            "/1.0/me/api/oauth2/client",
            json={"name": "ci", "flow": "CLIENT_CREDENTIALS", "description": "ci"},
        )
    ).json()
    form = {
        "grant_type": "client_credentials",
        "client_id": created["clientId"],
        "client_secret": created["clientSecret"],
    }
    token = (await raw.post("/auth/oauth2/token", data=form)).json()["access_token"]
    assert (await raw.get(f"{link.path}?{link.query}")).status_code == 200

    ctx.clock.apply({"scale": 0, "frozenAt": time.time() + accounts.PENDING_SECONDS + 1})
    assert (await raw.get(f"{link.path}?{link.query}")).status_code == 404, "the link has a limited life"
    bearer = connect(headers={"Authorization": f"Bearer {token}"})
    assert (await bearer.get("/1.0/auth/details")).status_code == 401
    assert await accounts.collect_expired(ctx.store, ctx.clock.now()) == 2
    assert await ctx.objects.by_key(accounts.CREDENTIALS, asked["consumerKey"]) is None
    assert await ctx.store.get_item(accounts.OAUTH2_TOKEN, accounts.token_id(token)) is None
    assert (await client.get("/1.0/me")).status_code == 200, "validated keys stay"


# --- 8. /v2/iam/resource shows each caller what it may see -----------------------------------


async def test_iam_resources_are_filtered_by_what_the_caller_may_see(app, client, connect, settle):
    from conftest import create_project

    one = await create_project(client, settle, "one")
    await create_project(client, settle, "two")
    assert len((await client.get("/v2/iam/resource")).json()) == 2
    alice = await _user_key(app, client, connect, "alice")
    assert (await alice.get("/v2/iam/resource")).json() == [], "no policy: nothing to see"
    urn = f"urn:v1:eu:resource:publicCloudProject:{one}"
    assert (await alice.get(f"/v2/iam/resource/{urn}")).status_code == 404
    policy = {
        "name": "one project",
        "identities": [f"urn:v1:eu:identity:user:{ACCOUNT}/alice"],
        "resources": [{"urn": urn}],
        "permissions": {"allow": [{"action": "publicCloudProject:apiovh:get"}]},
    }
    assert (await client.post("/v2/iam/policy", json=policy)).status_code == 200
    assert [r["urn"] for r in (await alice.get("/v2/iam/resource")).json()] == [urn]
    assert (await alice.get(f"/v2/iam/resource/{urn}")).status_code == 200


async def test_an_application_has_a_bounded_number_of_keys_waiting(app, connect):
    store = app.state.ctx.store
    application = await accounts.create_application(store, ACCOUNT, "app", "", time.time())
    raw = connect()
    body = {"accessRules": [{"method": "GET", "path": "/*"}]}
    headers = {"X-Ovh-Application": application.key}
    for _ in range(accounts.MAX_PENDING):
        assert (await raw.post("/1.0/auth/credential", json=body, headers=headers)).status_code == 200
    refused = await raw.post("/1.0/auth/credential", json=body, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
