"""`/me`: the account, its API applications and credentials, users and OAuth2 service accounts,
as the real `/1.0/me` section shapes them. Served under `/`, `/1.0` and `/v1`."""

from __future__ import annotations

import time

import msgspec

from ..auth import accounts
from ..errors import ApiError
from ..model.numbers import decimal
from ..model.operation import Operation
from ..model.section import Section
from ..model.times import iso
from .auth import credential_body
from .schemas_version import OPERATIONS as SCHEMAS_VERSION_OPERATIONS

__all__ = ["SECTION"]

_ALL = 100_000


def _action(name: str) -> tuple[str, ...]:
    return (f"account:apiovh:me/{name}",)


async def _own(call, kind: str, id: str, label: str):
    item = await call.ctx.store.get_item(kind, id)
    if item is None or item.account != call.account:
        raise ApiError.not_found(f"{label}NotFound", f"{label} '{id.rpartition('/')[2]}' does not exist")
    return item


async def _all(call, kind: str):
    return list(await call.ctx.store.list_items(call.account, kind, None, _ALL))


async def _delete(call, item) -> None:
    async with call.ctx.store.write() as tx:
        await tx.delete_item(item)


async def _save(call, item) -> None:
    item.updated_at = time.time()
    async with call.ctx.store.write() as tx:
        await tx.update_item(item)


# /me


async def me(call):
    account = await _own(call, accounts.ACCOUNT, call.account, "Account")
    b = account.body
    return {
        "customerCode": b["customerCode"],
        "email": b["email"],
        "nichandle": b["nichandle"],
        "state": b["state"],
        "country": "FR",
        "currency": {"code": "EUR", "symbol": "EURO"},
        "language": "en_GB",
        "legalform": "individual",
        "ovhCompany": "ovh",
        "ovhSubsidiary": "FR",
    }


# /me/api/application


def _application(item) -> dict:
    b = item.body
    return {k: b[k] for k in ("applicationId", "applicationKey", "description", "name", "status")}


async def list_applications(call):
    return [int(item.id) for item in await _all(call, accounts.APPLICATION)]


async def get_application(call):
    return _application(await _own(call, accounts.APPLICATION, call.params["applicationId"], "Application"))


async def delete_application(call):
    app = await _own(call, accounts.APPLICATION, call.params["applicationId"], "Application")
    async with call.ctx.store.write() as tx:
        for credential in await _all(call, accounts.CREDENTIAL):
            if credential.body["applicationId"] == int(app.id):
                await tx.delete_item(credential)
        await tx.delete_item(app)


# /me/api/credential


class CredentialUpdate(msgspec.Struct):
    allowedIPs: list[str] | msgspec.UnsetType | None = msgspec.UNSET  # absent: unchanged; null: cleared


async def list_credentials(call):
    query = call.request.query_params
    app_id, status = query.get("applicationId"), query.get("status")
    out = []
    for item in await _all(call, accounts.CREDENTIAL):
        body = credential_body(item)
        if app_id and str(body["applicationId"]) != app_id:
            continue
        if status and body["status"] != status:
            continue
        out.append(body["credentialId"])
    return out


async def get_credential(call):
    return credential_body(await _own(call, accounts.CREDENTIAL, call.params["credentialId"], "Credential"))


async def edit_credential(call):
    item = await _own(call, accounts.CREDENTIAL, call.params["credentialId"], "Credential")
    update = await call.body(CredentialUpdate)
    if update.allowedIPs is msgspec.UNSET:
        return
    item.body["allowedIPs"] = accounts.allowed_blocks(update.allowedIPs)
    await _save(call, item)


async def delete_credential(call):
    await _delete(call, await _own(call, accounts.CREDENTIAL, call.params["credentialId"], "Credential"))


async def credential_application(call):
    item = await _own(call, accounts.CREDENTIAL, call.params["credentialId"], "Credential")
    return _application(
        await _own(call, accounts.APPLICATION, str(item.body["applicationId"]), "Application")
    )


# /me/identity/user


class UserRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    login: str
    password: str
    description: str = ""
    group: str = "DEFAULT"


class UserUpdate(msgspec.Struct):
    description: str | None = None
    email: str | None = None
    group: str | None = None


def _user(item) -> dict:
    b = item.body
    return {
        k: b[k]
        for k in (
            "creation",
            "description",
            "email",
            "group",
            "lastUpdate",
            "login",
            "passwordLastUpdate",
            "status",
            "urn",
        )
    }


def _user_id(call) -> str:
    return f"{call.account}/{call.params['user']}"


async def list_users(call):
    return [item.body["login"] for item in await _all(call, accounts.USER)]


async def create_user(call):
    body = await call.body(UserRequest)
    await accounts.create_user(
        call.ctx.store,
        call.account,
        body.login,
        body.password,
        time.time(),
        email=body.email,
        description=body.description,
        group=body.group,
    )


async def get_user(call):
    return _user(await _own(call, accounts.USER, _user_id(call), "User"))


async def edit_user(call):
    item = await _own(call, accounts.USER, _user_id(call), "User")
    update = await call.body(UserUpdate)
    for field in ("description", "email", "group"):
        value = getattr(update, field)
        if value is not None:
            item.body[field] = value
    item.body["lastUpdate"] = iso(time.time())
    await _save(call, item)


async def delete_user(call):
    await _delete(call, await _own(call, accounts.USER, _user_id(call), "User"))


def _set_status(status: str):
    async def handler(call):
        item = await _own(call, accounts.USER, _user_id(call), "User")
        item.body["status"] = status
        item.body["lastUpdate"] = iso(time.time())
        await _save(call, item)

    return handler


# /me/api/oauth2/client


class ClientRequest(msgspec.Struct, forbid_unknown_fields=True):
    description: str
    flow: str
    name: str
    callbackUrls: list[str] = []


class ClientUpdate(msgspec.Struct):
    description: str | None = None
    name: str | None = None
    callbackUrls: list[str] | None = None


def _client(item) -> dict:
    b = item.body
    return {
        "callbackUrls": b["callbackUrls"],
        "clientId": b["clientId"],
        "createdAt": iso(item.created_at),
        "description": b["description"],
        "flow": b["flow"],
        "identity": b["identity"],
        "name": b["name"],
    }


async def list_clients(call):
    return [item.id for item in await _all(call, accounts.OAUTH2_CLIENT)]


async def create_client(call):
    body = await call.body(ClientRequest)
    if body.flow != "CLIENT_CREDENTIALS":
        raise ApiError.invalid_field("flow", "only CLIENT_CREDENTIALS is served (service accounts)")
    client, secret = await accounts.create_oauth2_client(
        call.ctx.store, call.account, body.name, body.description, time.time()
    )
    return {"clientId": client.id, "clientSecret": secret}


async def get_client(call):
    return _client(await _own(call, accounts.OAUTH2_CLIENT, call.params["clientId"], "Client"))


async def edit_client(call):
    item = await _own(call, accounts.OAUTH2_CLIENT, call.params["clientId"], "Client")
    update = await call.body(ClientUpdate)
    for field in ("description", "name", "callbackUrls"):
        value = getattr(update, field)
        if value is not None:
            item.body[field] = value
    await _save(call, item)


async def delete_client(call):
    await _delete(call, await _own(call, accounts.OAUTH2_CLIENT, call.params["clientId"], "Client"))


def _digits(value: str) -> bool:
    return decimal(value, 19) is not None


_APP = {"applicationId": _digits}
_CRED = {"credentialId": _digits}

SECTION = Section(
    name="me",
    description="Your account, API applications, credentials, users and service accounts",
    branch="v1",
    operations=(
        Operation("GET", "/me", me, _action("get"), summary="Details about your account"),
        Operation("GET", "/me/api/application", list_applications, _action("api/application/get")),
        Operation(
            "GET",
            "/me/api/application/{applicationId}",
            get_application,
            _action("api/application/get"),
            _APP,
        ),
        Operation(
            "DELETE",
            "/me/api/application/{applicationId}",
            delete_application,
            _action("api/application/delete"),
            _APP,
        ),
        Operation("GET", "/me/api/credential", list_credentials, _action("api/credential/get")),
        Operation(
            "GET", "/me/api/credential/{credentialId}", get_credential, _action("api/credential/get"), _CRED
        ),
        Operation(
            "PUT", "/me/api/credential/{credentialId}", edit_credential, _action("api/credential/edit"), _CRED
        ),
        Operation(
            "DELETE",
            "/me/api/credential/{credentialId}",
            delete_credential,
            _action("api/credential/delete"),
            _CRED,
        ),
        Operation(
            "GET",
            "/me/api/credential/{credentialId}/application",
            credential_application,
            _action("api/credential/application/get"),
            _CRED,
        ),
        Operation("GET", "/me/identity/user", list_users, _action("identity/user/get")),
        Operation("POST", "/me/identity/user", create_user, _action("identity/user/create")),
        Operation("GET", "/me/identity/user/{user}", get_user, _action("identity/user/get")),
        Operation("PUT", "/me/identity/user/{user}", edit_user, _action("identity/user/edit")),
        Operation("DELETE", "/me/identity/user/{user}", delete_user, _action("identity/user/delete")),
        Operation(
            "POST",
            "/me/identity/user/{user}/disable",
            _set_status("DISABLED"),
            _action("identity/user/disable"),
        ),
        Operation(
            "POST", "/me/identity/user/{user}/enable", _set_status("OK"), _action("identity/user/enable")
        ),
        Operation("GET", "/me/api/oauth2/client", list_clients, _action("api/oauth2/client/get")),
        Operation("POST", "/me/api/oauth2/client", create_client, _action("api/oauth2/client/create")),
        Operation("GET", "/me/api/oauth2/client/{clientId}", get_client, _action("api/oauth2/client/get")),
        Operation("PUT", "/me/api/oauth2/client/{clientId}", edit_client, _action("api/oauth2/client/edit")),
        Operation(
            "DELETE", "/me/api/oauth2/client/{clientId}", delete_client, _action("api/oauth2/client/delete")
        ),
        *SCHEMAS_VERSION_OPERATIONS,
    ),
)
