"""Authentication through the HTTP surface: signatures, consumer keys, OAuth2, branches."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from convergent.auth import accounts
from convergent.auth.signature import sign

pytestmark = pytest.mark.anyio

AS, CK, TS = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk", "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY", "1457018875"


@pytest.mark.parametrize(
    "method,url,body,expected",
    [
        ("GET", "https://eu.api.ovh.com/1.0/call", b"", "$1$7f2db49253edfc41891023fcd1a54cf61db05fbb"),
        ("GET", "https://eu.api.ovh.com/v2/call", b"", "$1$bb63b132a6f84ad5433d0c534d48d3f7c3804285"),
        (
            "POST",
            "https://eu.api.ovh.com/1.0/auth",
            b'{"a":"b","c":"d"}',
            "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1",
        ),
    ],
)
def test_signature_vectors(method, url, body, expected):
    assert sign(AS, CK, method, url, body, TS) == expected


def signed_headers(issued, method, url, body=b"", stamp=None, secret=None, consumer=None):
    stamp = str(int(time.time()) if stamp is None else stamp)
    consumer = consumer or issued.consumer_key
    return {
        "X-Ovh-Application": issued.application_key,
        "X-Ovh-Consumer": consumer,
        "X-Ovh-Timestamp": stamp,
        "X-Ovh-Signature": sign(secret or issued.application_secret, consumer, method, url, body, stamp),
        "Content-Type": "application/json",
    }


async def test_time_is_a_bare_integer_on_every_branch(connect):
    anonymous = connect()
    for prefix in ("", "/1.0", "/v1"):
        r = await anonymous.get(f"{prefix}/auth/time")
        assert r.status_code == 200
        assert isinstance(r.json(), int) and abs(r.json() - time.time()) < 5


async def test_unauthenticated_calls_are_refused(connect):
    r = await connect().get("/v2/publicCloud/project")
    assert r.status_code == 401
    assert r.json()["errorCode"] == "NOT_AUTHENTICATED"


URL = "http://testserver/v2/publicCloud/project"
BODY = b'{"targetSpec":{"name":"p","mode":"CLASSIC"}}'


def forged(issued):
    """(what is wrong, url sent, headers) for a POST that must never reach its handler."""
    now = int(time.time())
    good = signed_headers(issued, "POST", URL, BODY)
    return [
        ("forged signature", URL, {**good, "X-Ovh-Signature": "$1$" + "0" * 40}, 400, "INVALID_SIGNATURE"),
        (
            "wrong secret",
            URL,
            signed_headers(issued, "POST", URL, BODY, secret="x" * 32),
            400,
            "INVALID_SIGNATURE",
        ),
        (
            "wrong body",
            URL,
            signed_headers(issued, "POST", URL, b'{"targetSpec":{}}'),
            400,
            "INVALID_SIGNATURE",
        ),
        ("tampered url", URL + "?x=1", good, 400, "INVALID_SIGNATURE"),
        ("other host", URL, {**good, "Host": "elsewhere"}, 400, "INVALID_SIGNATURE"),
        (
            "out of window",
            URL,
            signed_headers(issued, "POST", URL, BODY, stamp=now - 600),
            400,
            "QUERY_TIME_OUT",
        ),
        (
            "from the future",
            URL,
            signed_headers(issued, "POST", URL, BODY, stamp=now + 600),
            400,
            "QUERY_TIME_OUT",
        ),
        (
            "no timestamp",
            URL,
            {k: v for k, v in good.items() if k != "X-Ovh-Timestamp"},
            400,
            "INVALID_SIGNATURE",
        ),
        ("unknown application", URL, {**good, "X-Ovh-Application": "nope"}, 403, "INVALID_KEY"),
        (
            "no consumer key",
            URL,
            {k: v for k, v in good.items() if k != "X-Ovh-Consumer"},
            403,
            "NOT_CREDENTIAL",
        ),
        (
            "unknown consumer key",
            URL,
            signed_headers(issued, "POST", URL, BODY, consumer="c" * 32),
            403,
            "INVALID_CREDENTIAL",
        ),
    ]


async def test_bad_signatures_are_refused_and_reach_no_handler(client, credentials, connect):
    issued = await credentials()
    raw = connect()
    for what, url, headers, status, code in forged(issued):
        r = await raw.post(url, content=BODY, headers=headers)
        assert r.status_code == status, what
        assert r.json()["errorCode"] == code, what
        assert r.json()["httpCode"].startswith(str(status)), what
        assert r.headers["x-ovh-queryid"]
    assert (await client.get("/v2/publicCloud/project")).json() == [], "a refused request created something"


async def test_the_same_signed_request_is_accepted_again_within_the_window(credentials, connect):
    issued = await credentials()
    headers = signed_headers(issued, "GET", URL, stamp=int(time.time()) - 200)
    raw = connect()
    for _ in range(3):
        assert (await raw.get(URL, headers=headers)).status_code == 200


async def test_consumer_key_flow_through_the_validation_page(app, connect):
    store = app.state.ctx.store
    now = time.time()
    await accounts.ensure_account(store, "ab1234-ovh", now, password="owner-password")
    app_item = await accounts.create_application(store, "ab1234-ovh", "my script", "tests", now)
    raw = connect()
    rules = [
        {"method": "GET", "path": "/v2/*"},
        {"method": "GET", "path": "/me"},
        {"method": "GET", "path": "/auth/*"},
    ]
    r = await raw.post(
        "/1.0/auth/credential",
        json={"accessRules": rules, "redirection": None},
        headers={"X-Ovh-Application": app_item.key},
    )
    assert r.status_code == 200
    answer = r.json()
    assert answer["state"] == "pendingValidation"
    issued = accounts.Issued("ab1234-ovh", app_item.key, app_item.body["secret"], answer["consumerKey"])
    pending = await connect(issued).get("/v2/publicCloud/project")
    assert pending.status_code == 403 and pending.json()["errorCode"] == "INVALID_CREDENTIAL"

    page_url = urlsplit(answer["validationUrl"])
    page = await raw.get(f"{page_url.path}?{page_url.query}")
    assert page.status_code == 200 and "<form" in page.text and "/v2/*" in page.text
    fields = {k: v[0] for k, v in parse_qs(page_url.query).items()}
    fields["csrf"] = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # its cookie is in `raw`
    wrong = await raw.post(
        "/auth/validate", data={**fields, "login": "ab1234-ovh", "password": "nope", "decision": "grant"}
    )
    assert wrong.status_code == 403 and "Wrong" in wrong.text
    ok = await raw.post(
        "/auth/validate",
        data={
            **fields,
            "login": "ab1234-ovh",
            "password": "owner-password",
            "duration": "3600",
            "decision": "grant",
        },
    )
    assert ok.status_code == 200
    again = await raw.post(
        "/auth/validate",
        data={**fields, "login": "ab1234-ovh", "password": "owner-password", "decision": "grant"},
    )
    assert again.status_code == 404, "a validation link works once"

    signed = connect(issued)
    assert (await signed.get("/v2/publicCloud/project")).status_code == 200
    me = await signed.get("/1.0/me")
    assert me.status_code == 200 and me.json()["nichandle"] == "ab1234-ovh"
    refused = await signed.post(
        "/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}
    )
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "NOT_GRANTED_CALL"
    assert refused.json()["details"]["unauthorizedActionsByAuthentication"].startswith(
        "publicCloudProject:apiovh:create"
    )
    current = (await signed.get("/auth/currentCredential")).json()
    assert current["status"] == "validated" and current["rules"] == rules and current["expiration"]


async def test_revoked_expired_and_logged_out_keys_stop_working(app, client, credentials, connect):
    issued = await credentials()
    other = connect(issued)
    assert (await other.get("/1.0/me")).status_code == 200
    assert (await other.post("/1.0/auth/logout")).status_code == 200
    assert (await other.get("/1.0/me")).json()["errorCode"] == "INVALID_CREDENTIAL"

    second = await credentials()
    ids = (await client.get("/1.0/me/api/credential", params={"status": "validated"})).json()
    [target] = [
        i
        for i in ids
        if (await client.get(f"/1.0/me/api/credential/{i}/application")).json()["applicationKey"]
        == second.application_key
    ]
    assert (await client.delete(f"/1.0/me/api/credential/{target}")).status_code == 200
    assert (await connect(second).get("/1.0/me")).json()["errorCode"] == "INVALID_CREDENTIAL"

    third = await credentials()
    item = await app.state.ctx.store.find_item(accounts.CREDENTIAL, third.consumer_key)
    async with app.state.ctx.store.write() as tx:
        item.body["expiresAt"] = time.time() - 1
        await tx.update_item(item)
    assert (await connect(third).get("/1.0/me")).json()["errorCode"] == "INVALID_CREDENTIAL"


async def test_allowed_ips_limit_a_key(client, credentials, connect):
    issued = await credentials()
    ids = (await client.get("/1.0/me/api/credential")).json()
    for i in ids:
        app = (await client.get(f"/1.0/me/api/credential/{i}/application")).json()
        if app["applicationKey"] == issued.application_key:
            assert (
                await client.put(f"/1.0/me/api/credential/{i}", json={"allowedIPs": ["203.0.113.0/24"]})
            ).status_code == 200
    r = await connect(issued).get("/1.0/me")  # the ASGI test client comes from 127.0.0.1
    assert r.status_code == 403 and r.json()["errorCode"] == "FORBIDDEN"


async def test_oauth2_client_credentials(client, connect):
    created = (
        await client.post(
            "/1.0/me/api/oauth2/client",
            json={"name": "ci", "description": "robot", "flow": "CLIENT_CREDENTIALS"},
        )
    ).json()
    raw = connect()
    bad = await raw.post(
        "/auth/oauth2/token", data={"grant_type": "client_credentials"}, auth=(created["clientId"], "wrong")
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    for kwargs in (
        {
            "auth": (created["clientId"], created["clientSecret"]),
            "data": {"grant_type": "client_credentials", "scope": "all"},
        },
        {
            "data": {
                "grant_type": "client_credentials",
                "client_id": created["clientId"],
                "client_secret": created["clientSecret"],
            }
        },
    ):
        token = await raw.post("/auth/oauth2/token", **kwargs)
        assert token.status_code == 200
        body = token.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    bearer = connect(headers={"Authorization": f"Bearer {body['access_token']}"})
    details = (await bearer.get("/1.0/auth/details")).json()
    assert details["method"] == "oauth2"
    assert details["identities"] == [f"urn:v1:eu:identity:credential:xx1111-ovh/oauth2-{created['clientId']}"]
    assert (await bearer.get("/v2/publicCloud/project")).json() == []
    denied = await bearer.get("/1.0/me")
    assert (
        denied.status_code == 403
        and denied.json()["details"]["unauthorizedActionsByIAM"] == "account:apiovh:me/get"
    )
    expired = connect(headers={"Authorization": "Bearer nope"})
    assert (await expired.get("/1.0/me")).json()["errorCode"] == "INVALID_CREDENTIAL"


async def test_branches_serve_v1_routes_at_root_1_0_and_v1(client):
    for prefix in ("", "/1.0", "/v1"):
        r = await client.get(f"{prefix}/me")
        assert r.status_code == 200 and r.json()["nichandle"] == "xx1111-ovh", prefix
    assert (await client.get("/v2/me")).status_code == 404
    assert (await client.get("/1.0/publicCloud/project")).status_code == 404


async def test_accounts_are_isolated(client, credentials, connect, settle):
    project = (
        await client.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}})
    ).json()
    await settle()
    stranger = connect(await credentials("yy2222-ovh"))
    assert (await stranger.get("/v2/publicCloud/project")).json() == []
    r = await stranger.get(f"/v2/publicCloud/project/{project['id']}")
    assert r.status_code == 404
    assert (await stranger.get(f"/v2/publicCloud/project/{project['id']}/rancher")).status_code == 404
    page = await client.get("/v2/publicCloud/project", headers={"X-Pagination-Size": "1"})
    await client.post("/v2/publicCloud/project", json={"targetSpec": {"name": "q", "mode": "CLASSIC"}})
    cursor = (await client.get("/v2/publicCloud/project", headers={"X-Pagination-Size": "1"})).headers[
        "x-pagination-cursor-next"
    ]
    stolen = await stranger.get("/v2/publicCloud/project", headers={"X-Pagination-Cursor": cursor})
    assert stolen.status_code == 400 and stolen.json()["message"] == "invalid cursor"
    assert page.status_code == 200


async def test_a_signature_over_the_url_without_the_port_is_the_same_request(app, credentials):
    # node-ovh signs https://host/path while it talks to host:port (README, "HTTPS")
    issued = await credentials()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8443") as raw:
        await _port_cases(raw, issued)


async def _port_cases(raw, issued):
    path = "/v2/publicCloud/project"
    portless = signed_headers(issued, "GET", f"http://127.0.0.1{path}")
    assert (await raw.get(path, headers=portless)).status_code == 200
    with_port = signed_headers(issued, "GET", f"http://127.0.0.1:8443{path}")
    assert (await raw.get(path, headers=with_port)).status_code == 200
    other_port = signed_headers(issued, "GET", f"http://127.0.0.1:9999{path}")
    refused = await raw.get(path, headers=other_port)
    assert refused.status_code == 400 and refused.json()["errorCode"] == "INVALID_SIGNATURE"
