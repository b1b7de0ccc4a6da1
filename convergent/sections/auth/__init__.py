"""`/auth`: server time, consumer key requests and their validation page, OAuth2 tokens, and
what the current credential is. Served under `/`, `/1.0` and `/v1`."""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import parse_qsl

import msgspec
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...auth import accounts
from ...errors import ApiError
from ...model.operation import Operation
from ...model.section import Section
from ...model.times import iso
from .page import DURATIONS, outcome_page, validation_form

__all__ = ["SECTION", "credential_body", "client_pair"]


class AccessRule(msgspec.Struct, forbid_unknown_fields=True):
    method: str
    path: str


class CredentialRequest(msgspec.Struct):
    accessRules: list[AccessRule]
    redirection: str | None = None
    allowedIPs: list[str] | None = None


def credential_body(item, now: float) -> dict:
    """A consumer key as `auth.ApiCredential` (`expired` once `now` passes its expiry)."""
    b = item.body
    return {
        "allowedIPs": b["allowedIPs"],
        "applicationId": b["applicationId"],
        "creation": b["creation"],
        "credentialId": b["credentialId"],
        "expiration": b["expiration"],
        "lastUse": b["lastUse"],
        "ovhSupport": b["ovhSupport"],
        "rules": b["rules"],
        "status": _status(b, now),
    }


def _status(body: dict, now: float) -> str:
    if body["status"] == "validated" and body["expiresAt"] is not None and body["expiresAt"] <= now:
        return "expired"
    return body["status"]


async def server_time(call):
    return int(time.time())  # what clients sign with: wall time, whatever the simulation clock says


async def request_credential(call):
    key = call.request.headers.get("x-ovh-application")
    app = await call.ctx.objects.by_key(accounts.APPLICATIONS, key) if key else None
    if app is None or app.body["status"] != "active":
        raise ApiError.authentication(403, "INVALID_KEY", "This application key is invalid")
    body = await call.body(CredentialRequest)
    rules = [msgspec.to_builtins(rule) for rule in body.accessRules]
    credential = await accounts.request_credential(
        call.ctx.objects, app, rules, body.redirection, body.allowedIPs, call.ctx.clock.now()
    )
    base = f"{call.request.url.scheme}://{call.request.url.netloc}"
    token = credential.body["validationToken"]
    return {
        "consumerKey": credential.key,
        "state": "pendingValidation",
        "validationUrl": f"{base}/auth/validate?credentialId={credential.id}&token={token}",
    }


async def _pending(call, credential_id: str, token: str):
    objects = call.ctx.objects
    credential = (
        await objects.find(accounts.CREDENTIALS, None, credential_id) if credential_id.isdigit() else None
    )
    if credential is None or not token or credential.body.get("validationToken") != token:
        return None, None
    app = await objects.find(accounts.APPLICATIONS, None, str(credential.body["applicationId"]))
    return credential, app


async def validation_page(call):
    query = call.request.query_params
    credential, app = await _pending(call, query.get("credentialId", ""), query.get("token", ""))
    if credential is None:
        return HTMLResponse(
            outcome_page("Unknown request", "This validation link is not valid or was already used."), 404
        )
    return HTMLResponse(
        validation_form(
            credential.id, query["token"], app.body["name"] if app else "?", credential.body["rules"]
        )
    )


async def validate(call):
    form = await _form(call)
    credential, app = await _pending(call, str(form.get("credentialId", "")), str(form.get("token", "")))
    if credential is None:
        return HTMLResponse(
            outcome_page("Unknown request", "This validation link is not valid or was already used."), 404
        )
    objects = call.ctx.objects
    if form.get("decision") == "refuse":

        def refuse(current) -> None:
            current.body.update(status="refused", validationToken=None)

        await objects.update(accounts.CREDENTIALS, None, credential.id, refuse)
        return HTMLResponse(
            outcome_page("Request refused", "The application will not be able to act for you.")
        )
    who = await accounts.check_login(objects, str(form.get("login", "")), str(form.get("password", "")))
    if who is None:
        page = validation_form(
            credential.id,
            str(form["token"]),
            app.body["name"] if app else "?",
            credential.body["rules"],
            "Wrong account, user or password.",
        )
        return HTMLResponse(page, 403)
    duration = str(form.get("duration", "unlimited"))
    if duration not in DURATIONS:
        page = validation_form(
            credential.id,
            str(form["token"]),
            app.body["name"] if app else "?",
            credential.body["rules"],
            "Choose one of the offered validities.",
        )
        return HTMLResponse(page, 400)
    seconds = None if duration == "unlimited" else float(duration)
    await accounts.validate_credential(objects, credential, who[0], who[1], seconds, call.ctx.clock.now())
    redirection = credential.body.get("redirection")
    if redirection:
        return RedirectResponse(redirection, 303)
    return HTMLResponse(
        outcome_page("Application authorized", "You can close this page: the consumer key now works.")
    )


def _basic(header: str) -> tuple[str, str] | None:
    if header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def client_pair(authorization: str, form: dict[str, str]) -> tuple[str, str] | None:
    """The OAuth2 client id and secret of a token request: HTTP Basic, else the form's fields."""
    pair = _basic(authorization) or (form.get("client_id"), form.get("client_secret"))
    return (str(pair[0]), str(pair[1])) if pair[0] and pair[1] else None


async def oauth2_token(call):
    form = await _form(call)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", "Only grant_type=client_credentials is supported", 400)
    pair = client_pair(call.request.headers.get("authorization", ""), form)
    if pair is None:
        return _oauth_error("invalid_client", "Client credentials are missing", 401)
    issued = await accounts.issue_token(call.ctx.objects, pair[0], pair[1], call.ctx.clock.now())
    if issued is None:
        return _oauth_error("invalid_client", "Client authentication failed", 401)
    token, _ = issued
    return {
        "access_token": token,
        "expires_in": accounts.TOKEN_SECONDS,
        "scope": form.get("scope") or "all",
        "token_type": "Bearer",
    }


def _oauth_error(code: str, description: str, status: int) -> Response:
    body = msgspec.json.encode({"error": code, "error_description": description})
    return Response(body, status, media_type="application/json")


async def _form(call) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (last value wins for a repeated name)."""
    raw = await call.request.body()
    try:
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise ApiError.bad_request("InvalidForm", "The form body is not UTF-8") from None


async def details(call):
    caller = call.caller
    credential = caller.credential
    user = credential.body["login"] if credential else None
    if caller.method == "token":  # a user's token: the user, from its URN (.../NIC/LOGIN)
        user = caller.identity.rpartition("/")[2]
    return {
        "account": caller.account,
        "allowedRoutes": credential.body["rules"]
        if credential
        else [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")],
        "identities": [caller.identity, *caller.groups],
        "method": caller.method if caller.method == "oauth2" else ("user" if user else "account"),
        "user": user,
    }


async def current_credential(call):
    if call.caller.credential is None:
        raise ApiError.not_found("CredentialNotFound", "This call was not made with a consumer key")
    item = await call.ctx.objects.get(accounts.CREDENTIALS, None, call.caller.credential.id)
    return credential_body(item, call.ctx.clock.now())


async def logout(call):
    credential = call.caller.credential
    if credential is not None:

        def expire(current) -> None:
            now = call.ctx.clock.now()
            current.body.update(status="expired", expiresAt=now, expiration=iso(now))

        await call.ctx.objects.update(accounts.CREDENTIALS, None, credential.id, expire)
    return None


SECTION = Section(
    name="auth",
    description="Authentication: server time, consumer keys, OAuth2 tokens",
    branch="v1",
    operations=(
        Operation("GET", "/auth/time", server_time, summary="Server time (Unix seconds)", public=True),
        Operation(
            "POST", "/auth/credential", request_credential, summary="Request a consumer key", public=True
        ),
        Operation(
            "GET", "/auth/validate", validation_page, summary="Consumer key validation page", public=True
        ),
        Operation(
            "POST", "/auth/validate", validate, summary="Validate or refuse a consumer key", public=True
        ),
        Operation(
            "POST", "/auth/oauth2/token", oauth2_token, summary="OAuth2 client credentials token", public=True
        ),
        Operation("GET", "/auth/details", details, summary="Who the current credential acts as"),
        Operation("GET", "/auth/currentCredential", current_credential, summary="The current consumer key"),
        Operation("POST", "/auth/logout", logout, summary="Expire the current consumer key"),
    ),
)
