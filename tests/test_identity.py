"""`/me/identity/group`, users' tokens (a token authenticates as its user) and OAuth2 clients of
both flows, as OVHcloud's me.json and Terraform provider shape them."""

import json

import pytest
from conftest import ACCOUNT, REFERENCE

pytestmark = pytest.mark.anyio

GROUPS = "/1.0/me/identity/group"
USERS = "/1.0/me/identity/user"


def _model(name: str) -> set[str] | None:
    path = REFERENCE / "ovh-v1-schemas" / "me.json"
    if not path.exists():
        return None
    return set(json.loads(path.read_text())["models"][name]["properties"])


async def _user(client, login="alice", group="DEFAULT", password="alice-password-1"):
    body = {"login": login, "email": f"{login}@example.com", "password": password, "group": group}
    return await client.post(USERS, json=body)


async def test_groups_default_and_own(client):
    assert (await client.get(GROUPS)).json() == ["ADMIN", "DEFAULT", "REGULAR", "UNPRIVILEGED"]
    r = await client.post(GROUPS, json={"name": "ops", "role": "REGULAR", "description": "operators"})
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["urn"] == f"urn:v1:eu:identity:group:{ACCOUNT}/ops" and created["defaultGroup"] is False
    fields = _model("auth.Group")
    if fields is not None:
        assert set(created) == fields
    assert (await client.get(f"{GROUPS}/ops")).json() == created
    default = (await client.get(f"{GROUPS}/DEFAULT")).json()
    assert default["defaultGroup"] is True and default["role"] == "NONE"
    # What a GET answered may be sent back; read-only fields are ignored.
    r = await client.put(f"{GROUPS}/ops", json={**created, "role": "ADMIN", "name": "other"})
    assert r.status_code == 200, r.text
    assert (await client.get(f"{GROUPS}/ops")).json()["role"] == "ADMIN"
    assert "ops" in (await client.get(GROUPS)).json()

    # A user in it; the group cannot go while the user is there.
    assert (await _user(client, group="ops")).status_code == 200
    assert (await client.delete(f"{GROUPS}/ops")).status_code == 409
    assert (await client.delete(f"{USERS}/alice")).status_code == 200
    assert (await client.delete(f"{GROUPS}/ops")).status_code == 200
    assert (await client.get(f"{GROUPS}/ops")).status_code == 404


async def test_bad_group_input_is_refused_naming_the_field_and_stores_nothing(client):
    for body, field in (
        ({"name": "x", "role": "BOSS"}, "role"),
        ({"name": "no spaces", "role": "NONE"}, "name"),
        ({"role": "NONE"}, "name"),
        ({"name": "x", "role": "NONE", "colour": "red"}, "colour"),
    ):
        r = await client.post(GROUPS, json=body)
        assert r.status_code == 400 and r.json()["details"]["field"] == field, r.text
    assert (await client.post(GROUPS, json={"name": "ADMIN", "role": "NONE"})).status_code == 409
    for method in ("put", "delete"):
        kwargs = {"json": {"role": "ADMIN"}} if method == "put" else {}
        r = await getattr(client, method)(f"{GROUPS}/DEFAULT", **kwargs)
        assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::DefaultGroupReadOnly", (
            r.text
        )
    r = await _user(client, group="nobody")
    assert r.status_code == 400 and r.json()["details"]["field"] == "group", r.text
    assert (await client.get(USERS)).json() == []
    assert (await client.get(GROUPS)).json() == ["ADMIN", "DEFAULT", "REGULAR", "UNPRIVILEGED"]


async def test_another_accounts_groups_and_tokens_are_not_found(client, credentials, connect):
    await client.post(GROUPS, json={"name": "ops", "role": "NONE"})
    await _user(client)
    token = (await client.post(f"{USERS}/alice/token", json={"name": "t", "description": "d"})).json()
    other = connect(await credentials("yy2222-ovh"))
    assert (await other.get(f"{GROUPS}/ops")).status_code == 404
    assert (await other.delete(f"{GROUPS}/ops")).status_code == 404
    assert (await other.get(f"{USERS}/alice/token")).status_code == 404
    assert (await other.get(f"{USERS}/alice/token/t")).status_code == 404
    assert "ops" not in (await other.get(GROUPS)).json()
    assert token["name"] == "t"


async def test_a_token_authenticates_as_its_user_until_it_expires_or_goes(client, connect, app):
    await _user(client)
    r = await client.post(
        f"{USERS}/alice/token", json={"name": "ci", "description": "pipeline", "expiresIn": 3600}
    )
    assert r.status_code == 200, r.text
    created = r.json()
    assert set(created) == {"creation", "description", "expiresAt", "lastUsed", "name", "token"}
    assert created["expiresAt"].endswith("Z")
    got = (await client.get(f"{USERS}/alice/token/ci")).json()
    assert "token" not in got and got["expiresAt"] == created["expiresAt"]
    assert (await client.get(f"{USERS}/alice/token")).json() == ["ci"]

    bearer = connect(headers={"Authorization": f"Bearer {created['token']}"})
    details = (await bearer.get("/1.0/auth/details")).json()
    assert details["method"] == "user" and details["user"] == "alice", details
    denied = await bearer.get("/1.0/me")  # a user with no policy may do nothing
    assert (
        denied.status_code == 403
        and denied.json()["details"]["unauthorizedActionsByIAM"] == "account:apiovh:me/get"
    )

    await client.post(f"{USERS}/alice/disable")
    assert (await bearer.get("/1.0/auth/details")).status_code == 403
    await client.post(f"{USERS}/alice/enable")
    assert (await bearer.get("/1.0/auth/details")).status_code == 200

    r = await client.put(
        f"{USERS}/alice/token/ci", json={"description": "renamed", "expiresAt": "2001-01-01T00:00:00Z"}
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "expiresAt", r.text
    r = await client.put(f"{USERS}/alice/token/ci", json={"description": "renamed"})
    assert r.status_code == 200 and r.json()["description"] == "renamed", r.text

    assert (await client.delete(f"{USERS}/alice")).status_code == 200  # its tokens go with it
    assert (await bearer.get("/1.0/auth/details")).status_code == 401
    await _user(client)
    assert (await client.get(f"{USERS}/alice/token")).json() == []


async def test_bad_token_input(client):
    await _user(client)
    for body, field in (
        (
            {"name": "a", "description": "d", "expiresIn": 10, "expiresAt": "2099-01-01T00:00:00Z"},
            "expiresIn",
        ),
        ({"name": "a", "description": "d", "expiresIn": 0}, "expiresIn"),
        ({"name": "a", "description": "d", "expiresAt": "tomorrow"}, "expiresAt"),
        ({"name": "a", "description": "d", "expiresIn": 10**30}, "expiresIn"),  # past year 9999
        ({"name": "a", "description": "d", "expiresAt": "9999-12-31T23:59:59-05:00"}, "expiresAt"),
        ({"description": "d"}, "name"),
    ):
        r = await client.post(f"{USERS}/alice/token", json=body)
        assert r.status_code == 400 and r.json()["details"]["field"] == field, r.text
    assert (await client.get(f"{USERS}/alice/token")).json() == []
    assert (
        await client.post(f"{USERS}/bob/token", json={"name": "a", "description": "d"})
    ).status_code == 404
    assert (
        await client.post(f"{USERS}/alice/token", json={"name": "a", "description": "d"})
    ).status_code == 200
    assert (
        await client.post(f"{USERS}/alice/token", json={"name": "a", "description": "d"})
    ).status_code == 409
    r = await client.put(f"{USERS}/alice/token/a", json={"expiresIn": 10**30})
    assert r.status_code == 400 and r.json()["details"]["field"] == "expiresIn", r.text
    assert (await client.get(f"{USERS}/alice/token/a")).json()["expiresAt"] is None


async def test_oauth2_authorization_code_clients(client, connect):
    clients = "/1.0/me/api/oauth2/client"
    r = await client.post(clients, json={"name": "web", "description": "app", "flow": "AUTHORIZATION_CODE"})
    assert r.status_code == 400 and r.json()["details"]["field"] == "callbackUrls", r.text
    r = await client.post(
        clients,
        json={"name": "web", "description": "app", "flow": "AUTHORIZATION_CODE", "callbackUrls": ["ftp://x"]},
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "callbackUrls[0]", r.text
    r = await client.post(
        clients, json={"name": "web", "description": "app", "flow": "IMPLICIT", "callbackUrls": []}
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "flow", r.text
    assert (await client.get(clients)).json() == []

    body = {
        "name": "web",
        "description": "app",
        "flow": "AUTHORIZATION_CODE",
        "callbackUrls": ["https://localhost:8080"],
    }
    created = (await client.post(clients, json=body)).json()
    got = (await client.get(f"{clients}/{created['clientId']}")).json()
    assert got["flow"] == "AUTHORIZATION_CODE" and got["callbackUrls"] == ["https://localhost:8080"]
    assert got["identity"] is None  # it acts for the users who authorise it
    fields = _model("oauth2.client")
    if fields is not None:
        assert set(got) == fields
    # No client-credentials token for it: it has no identity of its own.
    token = await connect().post(
        "/auth/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(created["clientId"], created["clientSecret"]),
    )
    assert token.status_code == 401, token.text
    service = {"name": "ci", "description": "robot", "flow": "CLIENT_CREDENTIALS", "callbackUrls": None}
    r = await client.post(clients, json=service)
    assert r.status_code == 200, r.text
    assert (
        (await client.get(f"{clients}/{r.json()['clientId']}"))
        .json()["identity"]
        .startswith("urn:v1:eu:identity:")
    )


async def test_a_user_needs_the_group_and_token_actions(client, credentials, connect):
    from test_reference_iam import user_client

    alice = await user_client(client, credentials, connect)
    r = await alice.get(GROUPS)
    assert r.status_code == 403 and "account:apiovh:me/identity/group/get" in r.text, r.text
    r = await alice.post(GROUPS, json={"name": "mine", "role": "ADMIN"})
    assert r.status_code == 403 and "account:apiovh:me/identity/group/create" in r.text, r.text
    r = await alice.post(f"{USERS}/alice/token", json={"name": "t", "description": "d"})
    assert r.status_code == 403 and "account:apiovh:me/identity/user/token/create" in r.text, r.text
    assert (await client.get(GROUPS)).json() == ["ADMIN", "DEFAULT", "REGULAR", "UNPRIVILEGED"]
    assert (await client.get(f"{USERS}/alice/token")).json() == []
