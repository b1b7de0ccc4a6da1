"""The official python-ovh client (unmodified, `ovh==1.2.0`) against a real `convergent serve`.

One server per module, started on an empty database so that its first start announces the
owner password (needed on the consumer key validation page) and a ready owner credential.
Consumer keys are requested with python-ovh's own API and validated through the HTML page as
a person would: read the form, fill in the account and password, press Authorize.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import ovh
import ovh.client
import ovh.exceptions
import processes
import pytest
from processes import wait_for

from convergent.auth.signature import sign

pytestmark = pytest.mark.slow

ENDPOINT = "convergent-test"
ACCOUNT = "xx1111-ovh"
EVERYTHING = [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]


# --- the server ------------------------------------------------------------------------------


class Server(processes.Server):
    """A `convergent serve --instant` process on a new database, and what its first start
    announced: the owner's password and a validated credential."""

    def __init__(self, database):
        super().__init__(database, "--instant")
        self.database = str(database)
        announced = self.read_log()

        def field(label: str) -> str:
            found = re.search(rf"^\s*{label}\s+(\S+)", announced, re.MULTILINE)
            assert found, f"first start did not announce {label!r}:\n{announced}"
            return found.group(1)

        self.password = field("owner password")
        self.application_key = field("application key")
        self.application_secret = field("application secret")
        self.consumer_key = field("consumer key")

    def stop(self) -> None:
        if self.proc.poll() is None:
            super().stop()
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    database = tmp_path_factory.mktemp("ovh-client") / "convergent.db"
    with pytest.MonkeyPatch.context() as mp:
        # python-ovh fills missing keys from OVH_* variables: none of the caller's may leak in.
        for name in list(os.environ):
            if name.startswith("OVH_"):
                mp.delenv(name)
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the token endpoint is plain http here
        running = Server(database)
        try:
            mp.setitem(ovh.client.ENDPOINTS, ENDPOINT, f"{running.url}/1.0")
            mp.setitem(ovh.client.OAUTH2_TOKEN_URLS, ENDPOINT, f"{running.url}/auth/oauth2/token")
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def owner(server) -> ovh.Client:
    """The owner credential the first start announced (validated, every route)."""
    return ovh.Client(
        endpoint=ENDPOINT,
        application_key=server.application_key,
        application_secret=server.application_secret,
        consumer_key=server.consumer_key,
    )


@pytest.fixture(scope="module")
def project(owner) -> dict:
    """A READY publicCloud project, made by the owner."""
    created = owner.post("/v2/publicCloud/project", targetSpec={"name": "shared", "mode": "CLASSIC"})
    return wait_for(
        lambda: (
            (p := owner.get(f"/v2/publicCloud/project/{created['id']}"))["resourceStatus"] == "READY" and p
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def app_client(server, consumer_key=None) -> ovh.Client:
    """A python-ovh client with the application key and secret (and maybe a consumer key)."""
    return ovh.Client(
        endpoint=ENDPOINT,
        application_key=server.application_key,
        application_secret=server.application_secret,
        consumer_key=consumer_key,
    )


class FormReader(HTMLParser):
    """The forms of a page as a browser sees them: action, method, fields and submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.title = ""
        self._in_title = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": (a.get("method") or "get").lower(),
                    "fields": {},
                    "types": {},
                    "buttons": [],
                    "selects": {},
                }
            )
        elif tag == "title":
            self._in_title = True
        elif self.forms and tag == "input" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
            self.forms[-1]["types"][a["name"]] = a.get("type", "text")
        elif self.forms and tag == "button" and (a.get("type") or "submit") == "submit":
            self.forms[-1]["buttons"].append((a.get("name"), a.get("value")))
        elif self.forms and tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["selects"][a["name"]] = []
        elif self.forms and tag == "option" and self._select:
            self.forms[-1]["selects"][self._select].append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def read_form(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    reader = FormReader()
    reader.feed(response.text)
    assert len(reader.forms) == 1, response.text
    return reader.forms[0]


def fill_and_submit(
    validation_url: str, login: str, password: str, decision="grant", duration="unlimited"
) -> httpx.Response:
    """Open the validation page, fill the form and press a button, as a person would (with a
    browser that keeps the page's cookie)."""
    with httpx.Client() as browser:
        return _fill_and_submit(browser, validation_url, login, password, decision, duration)


def _fill_and_submit(browser, validation_url, login, password, decision, duration) -> httpx.Response:
    page = browser.get(validation_url)
    assert page.status_code == 200, page.text
    form = read_form(page)
    assert form["method"] == "post"
    assert form["types"]["password"] == "password"
    assert duration in form["selects"]["duration"]
    assert ("decision", decision) in form["buttons"]
    data = {
        **form["fields"],
        "login": login,
        "password": password,
        "duration": duration,
        "decision": decision,
    }
    return browser.post(urljoin(validation_url, form["action"]), data=data)


def request_key(server, methods, path, **request_kwargs) -> tuple[ovh.Client, dict]:
    """A consumer key requested with python-ovh's own helper (pending validation)."""
    client = app_client(server)
    ck = client.new_consumer_key_request()
    ck.add_rules(methods, path)
    pending = ck.request(**request_kwargs)
    return client, pending


def granted_key(
    server, methods=ovh.API_READ_WRITE, path="/*", duration="unlimited"
) -> tuple[ovh.Client, dict]:
    client, pending = request_key(server, methods, path)
    done = fill_and_submit(pending["validationUrl"], ACCOUNT, server.password, duration=duration)
    assert done.status_code == 200, done.text
    return client, pending


def error_json(info: pytest.ExceptionInfo) -> dict:
    assert info.value.response is not None
    return info.value.response.json()


# --- 1. server time ---------------------------------------------------------------------------


def test_time_delta_reads_a_bare_integer(server, owner):
    raw = httpx.get(f"{server.url}/1.0/auth/time")
    assert raw.status_code == 200
    assert re.fullmatch(rb"\d+", raw.content), raw.content
    assert abs(owner.time_delta) <= 2
    assert isinstance(owner.time_delta, int)
    assert abs(owner.get("/auth/time", _need_auth=False) - time.time()) < 5


# --- 2. consumer keys: request, validation page, then every method on both branches ----------


def test_consumer_key_requested_validated_on_the_page_then_used_everywhere(server, owner):
    client = app_client(server)
    ck = client.new_consumer_key_request()
    ck.add_recursive_rules(ovh.API_READ_WRITE, "/")
    pending = ck.request()
    assert pending["state"] == "pendingValidation"
    assert client._consumer_key == pending["consumerKey"]  # python-ovh loads it for its next calls

    # Not usable before validation.
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/me")

    # The validation page is an HTML form carrying the request's id and token.
    url = pending["validationUrl"]
    query = parse_qs(urlsplit(url).query)
    page = httpx.get(url)
    assert page.status_code == 200
    form = read_form(page)
    assert form["fields"]["credentialId"] == query["credentialId"][0]
    assert form["fields"]["token"] == query["token"][0]
    assert {"login", "password"} <= set(form["fields"])
    for rule in ("GET", "POST", "PUT", "DELETE"):
        assert f"<td>{rule}</td>" in page.text
    assert "<code>/*</code>" in page.text

    # A wrong password: the page comes back with an error, the key stays pending.
    wrong = fill_and_submit(url, ACCOUNT, server.password + "x")
    assert wrong.status_code == 403
    assert "Wrong account, user or password" in wrong.text
    assert read_form(wrong)["fields"]["token"] == query["token"][0]
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/me")

    done = fill_and_submit(url, ACCOUNT, server.password)
    assert done.status_code == 200, done.text
    assert "Application authorized" in done.text
    # The link is used up.
    assert httpx.get(url).status_code == 404

    # GET on /1.0.
    me = client.get("/me")
    assert me["nichandle"] == ACCOUNT
    assert client.get("/v1/me") == me  # python-ovh sends /v1 paths to the host root
    current = client.get("/auth/currentCredential")
    assert current["status"] == "validated"
    assert current["expiration"] is None
    assert sorted((r["method"], r["path"]) for r in current["rules"]) == sorted(
        (r["method"], r["path"]) for r in EVERYTHING
    )
    credential_id = current["credentialId"]
    assert str(credential_id) == query["credentialId"][0]
    assert credential_id in client.get("/me/api/credential")
    assert credential_id in client.get("/me/api/credential", status="validated")
    assert owner.get(f"/me/api/credential/{credential_id}")["status"] == "validated"
    details = client.get("/auth/details")
    assert details["account"] == ACCOUNT and details["method"] == "account"
    # PUT on /1.0: restrict the key to this machine, it keeps working from here.
    assert client.put(f"/me/api/credential/{credential_id}", allowedIPs=["127.0.0.1/32"]) is None
    assert client.get(f"/me/api/credential/{credential_id}")["allowedIPs"] == ["127.0.0.1/32"]

    # POST, PUT and DELETE on /v2, waiting as Terraform does.
    created = client.post("/v2/publicCloud/project", targetSpec={"name": "mine", "mode": "CLASSIC"})
    assert created["resourceStatus"] == "CREATING"
    project_url = f"/v2/publicCloud/project/{created['id']}"
    project = wait_for(lambda: (p := client.get(project_url))["resourceStatus"] == "READY" and p)
    assert project["iam"]["urn"].startswith("urn:v1:eu:resource:publicCloudProject:")
    assert created["id"] in [p["id"] for p in client.get("/v2/publicCloud/project")]

    rancher = client.post(f"{project_url}/rancher", targetSpec={"name": "r1", "plan": "STANDARD"})
    rancher_url = f"{project_url}/rancher/{rancher['id']}"
    ready = wait_for(lambda: (r := client.get(rancher_url))["resourceStatus"] == "READY" and r)
    updated = client.put(
        rancher_url, checksum=ready["checksum"], targetSpec={**ready["targetSpec"], "name": "r2"}
    )
    assert updated["resourceStatus"] == "UPDATING"
    assert updated["checksum"] != ready["checksum"]
    ready = wait_for(lambda: (r := client.get(rancher_url))["resourceStatus"] == "READY" and r)
    assert ready["currentState"]["name"] == "r2"
    deleting = client.delete(rancher_url)
    assert deleting["resourceStatus"] == "DELETING"

    def gone():
        try:
            client.get(rancher_url)
        except ovh.exceptions.ResourceNotFoundError:
            return True
        return False

    wait_for(gone)
    assert rancher["id"] not in [r["id"] for r in client.get(f"{project_url}/rancher")]


def test_validation_duration_redirection_and_refusal(server):
    # A key granted for one hour carries its expiration.
    client, _ = granted_key(server, ovh.API_READ_ONLY, "/auth/*", duration="3600")
    current = client.get("/auth/currentCredential")
    assert current["status"] == "validated" and current["expiration"] is not None

    # With a redirection, granting sends the browser there.
    client, pending = request_key(
        server, ovh.API_READ_ONLY, "/me", redirect_url="https://example.invalid/done"
    )
    done = fill_and_submit(pending["validationUrl"], ACCOUNT, server.password)
    assert done.status_code == 303, done.text  # See Other: the browser follows with a GET
    assert done.headers["location"] == "https://example.invalid/done"
    assert client.get("/me")["nichandle"] == ACCOUNT

    # Refused: the key never works.
    client, pending = request_key(server, ovh.API_READ_ONLY, "/me")
    refused = fill_and_submit(pending["validationUrl"], "", "", decision="refuse")
    assert refused.status_code == 200 and "refused" in refused.text.lower()
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/me")


# --- 3. access rules -------------------------------------------------------------------------


def test_access_rules_limit_the_key(server, owner, project):
    client, _ = granted_key(server, ovh.API_READ_ONLY, "/v2/*")
    listed = client.get("/v2/publicCloud/project")
    assert project["id"] in [p["id"] for p in listed]
    assert client.get(f"/v2/publicCloud/project/{project['id']}")["id"] == project["id"]

    # Right path, wrong method.
    with pytest.raises(ovh.exceptions.NotGrantedCall) as info:
        client.post("/v2/publicCloud/project", targetSpec={"name": "no", "mode": "CLASSIC"})
    body = error_json(info)
    assert info.value.response.status_code == 403
    assert body["errorCode"] == "NOT_GRANTED_CALL"
    assert body["httpCode"] == "403 Forbidden"
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        client.put(
            f"/v2/publicCloud/project/{project['id']}",
            checksum=project["checksum"],
            targetSpec=project["targetSpec"],
        )
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        client.delete(f"/v2/publicCloud/project/{project['id']}/rancher/{uuid.uuid4()}")
    # Right method, path outside the rules (/1.0/me is /me for the rules).
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        client.get("/me")
    # Nothing was created by the refused POST.
    assert [p["id"] for p in owner.get("/v2/publicCloud/project")].count(project["id"]) == 1
    assert "no" not in [p["targetSpec"]["name"] for p in owner.get("/v2/publicCloud/project")]


# --- 4. errors as python-ovh's exception classes -----------------------------------------------


def test_not_found_and_bad_parameters(owner, project):
    with pytest.raises(ovh.exceptions.ResourceNotFoundError) as info:
        owner.get(f"/v2/publicCloud/project/{project['id']}/rancher/{uuid.uuid4()}")
    assert info.value.response.status_code == 404
    assert error_json(info)["class"].startswith("Client::NotFound::")
    assert info.value.query_id  # X-OVH-QueryID is read back by python-ovh

    with pytest.raises(ovh.exceptions.BadParametersError) as info:
        owner.post("/v2/publicCloud/project", targetSpec={"mode": "CLASSIC"})
    assert error_json(info)["class"].startswith("Client::BadRequest::")
    with pytest.raises(ovh.exceptions.BadParametersError) as info:
        owner.post(
            f"/v2/publicCloud/project/{project['id']}/rancher", targetSpec={"name": "r", "plan": "NOT_A_PLAN"}
        )
    assert error_json(info)["class"].startswith("Client::BadRequest::")
    with pytest.raises(ovh.exceptions.BadParametersError) as info:
        owner.put(
            f"/v2/publicCloud/project/{project['id']}", checksum="nope", targetSpec=project["targetSpec"]
        )
    assert error_json(info)["class"] == "Client::BadRequest::ChecksumBadFormat"


def test_a_key_never_validated_is_an_invalid_credential(server):
    client, _ = request_key(server, ovh.API_READ_WRITE, "/*")
    with pytest.raises(ovh.exceptions.InvalidCredential) as info:
        client.get("/me")
    body = error_json(info)
    assert info.value.response.status_code == 403
    assert body["errorCode"] == "INVALID_CREDENTIAL" and body["httpCode"] == "403 Forbidden"


def test_a_revoked_key_is_an_invalid_credential(server, owner):
    client, _ = granted_key(server)
    credential_id = client.get("/auth/currentCredential")["credentialId"]
    assert owner.delete(f"/me/api/credential/{credential_id}") is None
    with pytest.raises(ovh.exceptions.InvalidCredential) as info:
        client.get("/me")
    assert error_json(info)["errorCode"] == "INVALID_CREDENTIAL"
    with pytest.raises(ovh.exceptions.ResourceNotFoundError):
        owner.get(f"/me/api/credential/{credential_id}")


def test_a_key_logged_out_is_expired(server, owner):
    client, _ = granted_key(server)
    credential_id = client.get("/auth/currentCredential")["credentialId"]
    client.post("/auth/logout")
    with pytest.raises(ovh.exceptions.InvalidCredential) as info:
        client.get("/me")
    assert error_json(info)["errorCode"] == "INVALID_CREDENTIAL"
    assert owner.get(f"/me/api/credential/{credential_id}")["status"] == "expired"
    assert credential_id in owner.get("/me/api/credential", status="expired")


def test_wrong_application_key_is_invalid_key(server):
    client = ovh.Client(
        endpoint=ENDPOINT,
        application_key="notAnApplicationKey",
        application_secret=server.application_secret,
        consumer_key=server.consumer_key,
    )
    with pytest.raises(ovh.exceptions.InvalidKey) as info:
        client.get("/me")
    body = error_json(info)
    assert info.value.response.status_code == 403
    assert body["errorCode"] == "INVALID_KEY"
    # Requesting a consumer key needs a known application too.
    with pytest.raises(ovh.exceptions.InvalidKey):
        client.request_consumerkey(EVERYTHING)


def test_no_consumer_key_is_not_credential(server):
    # python-ovh refuses to sign without a consumer key, but an unsigned call (`_need_auth=False`)
    # still carries X-Ovh-Application: the server says a consumer key is missing.
    client = app_client(server)
    with pytest.raises(ovh.exceptions.InvalidKey):
        client.get("/me")  # raised by python-ovh itself, nothing sent
    with pytest.raises(ovh.exceptions.NotCredential) as info:
        client.get("/me", _need_auth=False)
    body = error_json(info)
    assert info.value.response.status_code == 403 and body["errorCode"] == "NOT_CREDENTIAL"


def test_wrong_application_secret_is_an_invalid_signature(server):
    client = ovh.Client(
        endpoint=ENDPOINT,
        application_key=server.application_key,
        application_secret="x" * 32,
        consumer_key=server.consumer_key,
    )
    for call in (lambda: client.get("/me"), lambda: client.get("/v2/publicCloud/project")):
        with pytest.raises(ovh.exceptions.BadParametersError) as info:
            call()
        assert info.value.response.status_code == 400
        assert error_json(info)["errorCode"] == "INVALID_SIGNATURE"


def test_a_skewed_clock_is_a_query_time_out(server):
    client = app_client(server, server.consumer_key)
    client._time_delta = -600  # as if python-ovh had measured a clock ten minutes ahead
    with pytest.raises(ovh.exceptions.BadParametersError) as info:
        client.get("/me")
    assert error_json(info)["errorCode"] == "QUERY_TIME_OUT"


def test_a_key_restricted_to_other_addresses_is_forbidden(server, owner):
    # allowedIPs through python-ovh's own request(); 127.0.0.1 is not in 10.0.0.0/8.
    client, pending = request_key(server, ovh.API_READ_ONLY, "/*", allowedIPs=["10.0.0.0/8"])
    assert fill_and_submit(pending["validationUrl"], ACCOUNT, server.password).status_code == 200
    with pytest.raises(ovh.exceptions.Forbidden) as info:
        client.get("/me")
    body = error_json(info)
    assert info.value.response.status_code == 403 and body["errorCode"] == "FORBIDDEN"
    # A malformed block is refused when the key is requested.
    with pytest.raises(ovh.exceptions.BadParametersError):
        request_key(server, ovh.API_READ_ONLY, "/*", allowedIPs=["not-an-ip"])


def test_editing_a_credential_without_allowed_ips_keeps_its_restriction(server, owner):
    client, _ = granted_key(server)
    path = f"/me/api/credential/{client.get('/auth/currentCredential')['credentialId']}"
    owner.put(path, allowedIPs=["10.0.0.0/8"])
    with pytest.raises(ovh.exceptions.Forbidden):
        client.get("/me")
    assert owner.call("PUT", path, {}) is None  # python-ovh sends the body `{}`
    assert owner.get(path)["allowedIPs"] == ["10.0.0.0/8"]
    with pytest.raises(ovh.exceptions.Forbidden):
        client.get("/me")


def test_a_consumer_key_only_works_with_its_own_application(server, owner):
    # A second application, made with the command line while the server runs.
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "convergent",
            "credential",
            "create",
            "--account",
            ACCOUNT,
            "--database",
            server.database,
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    other = json.loads(made)
    theirs = ovh.Client(
        endpoint=ENDPOINT,
        application_key=other["applicationKey"],
        application_secret=other["applicationSecret"],
        consumer_key=other["consumerKey"],
    )
    assert theirs.get("/me")["nichandle"] == ACCOUNT
    mixed = ovh.Client(
        endpoint=ENDPOINT,
        application_key=other["applicationKey"],
        application_secret=other["applicationSecret"],
        consumer_key=server.consumer_key,
    )
    with pytest.raises(ovh.exceptions.InvalidCredential):
        mixed.get("/me")
    # Deleting the application takes its keys with it.
    application_id = theirs.get("/auth/currentCredential")["applicationId"]
    assert owner.get(f"/me/api/application/{application_id}")["applicationKey"] == other["applicationKey"]
    owner.delete(f"/me/api/application/{application_id}")
    with pytest.raises(ovh.exceptions.InvalidKey):
        theirs.get("/me")


def test_a_key_validated_by_a_user_acts_as_that_user(server, owner, project):
    owner.post("/me/identity/user", login="alice", password="alice-password-1", email="alice@example.invalid")
    client, pending = request_key(server, ovh.API_READ_WRITE, "/*")
    wrong = fill_and_submit(pending["validationUrl"], f"{ACCOUNT}/alice", "not-her-password")
    assert wrong.status_code == 403
    done = fill_and_submit(pending["validationUrl"], f"{ACCOUNT}/alice", "alice-password-1")
    assert done.status_code == 200, done.text
    details = client.get("/auth/details")
    assert details["method"] == "user" and details["user"] == "alice"
    assert f"urn:v1:eu:identity:user:{ACCOUNT}/alice" in details["identities"]
    # A user is not the owner: IAM applies, and she has no policy.
    assert client.get("/v2/publicCloud/project") == []
    with pytest.raises(ovh.exceptions.APIError) as info:
        client.get("/me")
    assert info.value.response.status_code == 403
    assert error_json(info)["details"]["unauthorizedActionsByIAM"] == "account:apiovh:me/get"
    # Disabling the user disables her keys.
    owner.post("/me/identity/user/alice/disable")
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/auth/details")


# --- 5. OAuth2 service accounts ----------------------------------------------------------------


def test_oauth2_service_account_sees_what_its_policies_allow(server, owner, project):
    made = owner.post("/me/api/oauth2/client", name="robot", description="tests", flow="CLIENT_CREDENTIALS")
    client_id, secret = made["clientId"], made["clientSecret"]
    identity = owner.get(f"/me/api/oauth2/client/{client_id}")["identity"]
    assert identity == f"urn:v1:eu:identity:credential:{ACCOUNT}/oauth2-{client_id}"

    robot = ovh.Client(endpoint=ENDPOINT, client_id=client_id, client_secret=secret)
    details = robot.get("/auth/details")
    assert details["method"] == "oauth2"
    assert details["account"] == ACCOUNT
    assert identity in details["identities"]

    # No policy yet: lists show nothing, other calls are refused by IAM.
    assert robot.get("/v2/publicCloud/project") == []
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.get("/me")
    assert type(info.value) is ovh.exceptions.APIError  # a 403 without errorCode: no subclass
    body = error_json(info)
    assert info.value.response.status_code == 403
    assert body["class"] == "Client::Forbidden"
    assert "account:apiovh:me/get" in body["details"]["unauthorizedActionsByIAM"].split(",")
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.get(f"/v2/publicCloud/project/{project['id']}")
    assert info.value.response.status_code == 403

    policy = owner.post(
        "/v2/iam/policy",
        name="robot-reads-project",
        identities=[identity],
        resources=[{"urn": project["iam"]["urn"]}],
        permissions={"allow": [{"action": "publicCloudProject:apiovh:get"}]},
    )
    assert policy["id"]
    seen = robot.get("/v2/publicCloud/project")
    assert [p["id"] for p in seen] == [project["id"]]
    assert robot.get(f"/v2/publicCloud/project/{project['id']}")["iam"]["urn"] == project["iam"]["urn"]
    # Still nothing else: not /me, not creating projects.
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.get("/me")
    assert info.value.response.status_code == 403
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.post("/v2/publicCloud/project", targetSpec={"name": "robot", "mode": "CLASSIC"})
    assert info.value.response.status_code == 403

    # Unsigned (`_need_auth=False`): nothing identifies the caller; python-ovh maps no 401.
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.get("/me", _need_auth=False)
    assert type(info.value) is ovh.exceptions.APIError
    assert info.value.response.status_code == 401
    assert error_json(info)["errorCode"] == "NOT_AUTHENTICATED"

    # Deleting the service account ends its tokens at once.
    owner.delete(f"/me/api/oauth2/client/{client_id}")
    with pytest.raises(ovh.exceptions.APIError) as info:
        robot.get("/auth/details")
    assert info.value.response.status_code == 401
    assert error_json(info)["errorCode"] == "INVALID_CREDENTIAL"

    # A wrong secret: python-ovh's OAuth2 flow fails with its own error.
    wrong = ovh.Client(endpoint=ENDPOINT, client_id=client_id, client_secret=secret + "x")
    with pytest.raises(ovh.exceptions.OAuth2FailureError):
        wrong.get("/auth/details")


# --- 6. replay window and stale timestamps ------------------------------------------------------


def _signed_headers(server, method: str, url: str, body: bytes, timestamp: int) -> dict:
    return {
        "X-Ovh-Application": server.application_key,
        "X-Ovh-Consumer": server.consumer_key,
        "X-Ovh-Timestamp": str(timestamp),
        "X-Ovh-Signature": sign(
            server.application_secret, server.consumer_key, method, url, body, str(timestamp)
        ),
    }


def test_the_same_signed_request_is_accepted_again_within_the_window(server):
    now = httpx.get(f"{server.url}/auth/time").json()
    url = f"{server.url}/1.0/auth/currentCredential"
    headers = _signed_headers(server, "GET", url, b"", now)
    with httpx.Client() as http:
        first = http.get(url, headers=headers)
        second = http.get(url, headers=headers)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["credentialId"] == second.json()["credentialId"]

    # A body is signed as sent.
    body = b'{"targetSpec":{"name":"signed","mode":"CLASSIC"}}'
    url = f"{server.url}/v2/publicCloud/project"
    headers = {**_signed_headers(server, "POST", url, body, now), "Content-Type": "application/json"}
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    tampered = httpx.post(url, content=body.replace(b"signed", b"sIgned"), headers=headers)
    assert tampered.status_code == 400 and tampered.json()["errorCode"] == "INVALID_SIGNATURE"


def test_a_ten_minute_old_timestamp_is_refused(server):
    now = httpx.get(f"{server.url}/auth/time").json()
    url = f"{server.url}/1.0/me"
    for stamp in (now - 600, now + 600):
        answer = httpx.get(url, headers=_signed_headers(server, "GET", url, b"", stamp))
        assert answer.status_code == 400, answer.text
        assert answer.json()["errorCode"] == "QUERY_TIME_OUT"
    assert httpx.get(url, headers=_signed_headers(server, "GET", url, b"", now)).status_code == 200
