"""One clock for everything time-dependent: when the admin surface freezes and advances time,
policies, consumer keys and access tokens expire on it, and reconcilers stamp states with it.
Signatures alone stay on wall time: clients sign with their own clock."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ACCOUNT, create_project, create_rancher
from test_reference_iam import PROJECT_GET, _policy, _project_urn, user_client

from convergent.auth import accounts
from convergent.config import Config

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def config(database) -> Config:
    return Config(database=database, instant=True, workers=0, admin_token="test-admin-token")


@pytest.fixture
async def admin(connect):
    """The admin surface, with the clock in manual mode: it stands still until advanced."""
    admin = connect(headers=ADMIN)
    manual = await admin.put("/admin/clock", json={"mode": "manual"})
    assert manual.status_code == 200 and manual.json()["mode"] == "manual", manual.text
    return admin


async def _frozen_at(admin) -> float:
    """The frozen moment, as epoch seconds (the admin surface shows it as ISO 8601 with a Z)."""
    return datetime.datetime.fromisoformat((await admin.get("/admin/clock")).json()["frozenAt"]).timestamp()


async def _advance(admin, seconds: float) -> None:
    moved = await admin.post("/admin/clock/advance", json={"seconds": seconds})
    assert moved.status_code == 200, moved.text


def _iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_policy_stops_granting_when_the_admin_clock_passes_its_expiry(
    admin, client, credentials, connect, settle
):
    project = await create_project(client, settle)
    alice = await user_client(client, credentials, connect)
    url = f"/v2/publicCloud/project/{project}"
    assert (await alice.get(url)).status_code == 403, "nothing granted yet"
    expiry = await _frozen_at(admin) + 3600
    body = _policy("an hour", [_project_urn(project)], (PROJECT_GET,), expired_at=_iso(expiry))
    assert (await client.post("/v2/iam/policy", json=body)).status_code == 200

    assert (await alice.get(url)).status_code == 200
    await _advance(admin, 3000)
    assert (await alice.get(url)).status_code == 200, "50 minutes in: still granted"
    await _advance(admin, 700)
    refused = await alice.get(url)
    assert refused.status_code == 403 and refused.json()["class"] == "Client::Forbidden", refused.text
    assert refused.json()["details"]["unauthorizedActionsByIAM"] == PROJECT_GET


async def test_a_consumer_key_expires_when_the_admin_clock_passes_its_validity(admin, app, connect):
    store, nic = app.state.ctx.store, "ab1234-ovh"
    now = await _frozen_at(admin)
    await accounts.ensure_account(store, nic, now, password="owner-password")
    application = await accounts.create_application(store, nic, "my script", "tests", now)
    anonymous = connect()
    asked = (
        await anonymous.post(
            "/1.0/auth/credential",
            json={"accessRules": [{"method": "GET", "path": "/*"}]},
            headers={"X-Ovh-Application": application.key},
        )
    ).json()
    link = urlsplit(asked["validationUrl"])
    fields = {k: v[0] for k, v in parse_qs(link.query).items()}
    page = await anonymous.get(f"{link.path}?{link.query}")  # sets the form's CSRF cookie
    fields["csrf"] = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    form = {**fields, "login": nic, "password": "owner-password", "duration": "3600", "decision": "grant"}
    assert (await anonymous.post("/auth/validate", data=form)).status_code == 200
    key = connect(accounts.Issued(nic, application.key, application.body["secret"], asked["consumerKey"]))
    assert (await key.get("/1.0/me")).status_code == 200

    await _advance(admin, 3599)
    assert (await key.get("/1.0/me")).status_code == 200, "one second left"
    await _advance(admin, 2)
    expired = await key.get("/1.0/me")
    assert expired.status_code == 403 and expired.json()["errorCode"] == "INVALID_CREDENTIAL", expired.text

    # An owner's key made now still signs: the timestamp window is on wall time, an hour behind.
    owner = connect(await accounts.issue_credential(store, nic, await _frozen_at(admin)))
    ids = (await owner.get("/1.0/me/api/credential")).json()
    shown = {i: (await owner.get(f"/1.0/me/api/credential/{i}")).json()["status"] for i in ids}
    assert sorted(shown.values()) == ["expired", "validated"], shown


async def test_an_access_token_expires_when_the_admin_clock_passes_its_lifetime(admin, app, connect):
    made = await accounts.issue_service_account(app.state.ctx.store, ACCOUNT, await _frozen_at(admin))
    anonymous = connect()
    token = await anonymous.post(
        "/auth/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(made["clientId"], made["clientSecret"]),
    )
    assert token.status_code == 200, token.text
    lifetime = token.json()["expires_in"]
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await anonymous.get("/v2/publicCloud/project", headers=bearer)).status_code == 200
    await _advance(admin, lifetime - 1)
    assert (await anonymous.get("/v2/publicCloud/project", headers=bearer)).status_code == 200
    await _advance(admin, 2)
    expired = await anonymous.get("/v2/publicCloud/project", headers=bearer)
    assert expired.status_code == 401 and expired.json()["errorCode"] == "INVALID_CREDENTIAL", expired.text


async def test_a_reconciler_stamps_the_state_with_the_admin_clock(admin, client, settle):
    await _advance(admin, 86400 * 30)
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    assert rancher["currentState"]["deployedAt"].startswith(_iso(await _frozen_at(admin))[:19])


async def test_a_secret_expiring_before_the_admin_clock_is_refused(admin, client, settle):
    """Strategies read the write's time on the same clock (AccountView.now)."""
    project = await create_project(client, settle)
    url = f"/v2/publicCloud/project/{project}/keyManager/secret"
    in_a_day = _iso(await _frozen_at(admin) + 86400)
    spec = {"name": "s", "secretType": "OPAQUE", "location": {"region": "GRA11"}, "expiration": in_a_day}
    assert (await client.post(url, json={"targetSpec": spec})).status_code == 200
    await _advance(admin, 2 * 86400)
    late = await client.post(url, json={"targetSpec": {**spec, "name": "t"}})
    assert late.status_code == 400 and late.json()["class"] == "Client::BadRequest::InvalidSecret", late.text
