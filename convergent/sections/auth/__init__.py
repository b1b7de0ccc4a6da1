"""`/auth`: server time, consumer key requests and their validation page, OAuth2 tokens, and
what the current credential is. Served under `/`, `/1.0` and `/v1`."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from urllib.parse import parse_qsl, urlsplit

import msgspec
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...auth import accounts
from ...auth.logins import client_address
from ...errors import ApiError
from ...model.numbers import decimal
from ...model.operation import Operation
from ...model.section import Section
from ...model.times import iso
from .page import CSRF_COOKIE, DURATIONS, outcome_page, page_headers, validation_form

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


def _redirection(url: str | None) -> str | None:
    """Where the browser goes after a grant: an absolute http(s) URL, or nothing."""
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(url) > 2048
        or any(c.isspace() or ord(c) < 32 or c == "\\" for c in url)
    ):
        raise ApiError.invalid_field("redirection", "an absolute http:// or https:// URL")
    return url


async def _room_for_one_more(call, app) -> None:
    """429 while the application has MAX_PENDING keys waiting for validation."""
    now = call.ctx.clock.now()
    waiting = await call.ctx.objects.page(accounts.CREDENTIALS, "", None, accounts.MAX_PENDING, app.id)
    alive = [c.created_at for c in waiting if c.created_at + accounts.PENDING_SECONDS > now]
    if len(alive) >= accounts.MAX_PENDING:
        raise ApiError.too_many_attempts(
            f"This application has {accounts.MAX_PENDING} consumer keys waiting for validation: "
            "validate or refuse them, or wait until their links expire",
            min(alive) + accounts.PENDING_SECONDS - now,
        )


async def request_credential(call):
    key = call.request.headers.get("x-ovh-application")
    keys = (f"address:{client_address(call.request.scope)}",)
    await call.ctx.logins.admit(keys)
    app = await call.ctx.objects.by_key(accounts.APPLICATIONS, key) if key else None
    if app is None or app.body["status"] != "active":
        call.ctx.logins.failed(keys, None, f"unknown application key {key!r:.80} asked for a consumer key")
        raise ApiError.authentication(403, "INVALID_KEY", "This application key is invalid")
    body = await call.body(CredentialRequest)
    await _room_for_one_more(call, app)
    rules = [msgspec.to_builtins(rule) for rule in body.accessRules]
    credential = await accounts.request_credential(
        call.ctx.objects, app, rules, _redirection(body.redirection), body.allowedIPs, call.ctx.clock.now()
    )
    base = f"{call.request.url.scheme}://{call.request.url.netloc}"
    token = credential.body["validationToken"]
    return {
        "consumerKey": credential.key,
        "state": "pendingValidation",
        "validationUrl": f"{base}/auth/validate?credentialId={credential.id}&token={token}",
    }


def _same(expected: str, given: str) -> bool:
    return secrets.compare_digest(expected.encode(), given.encode())


async def _pending(call, credential_id: str, token: str):
    """The pending credential and its application, if the link is valid and not expired."""
    objects = call.ctx.objects
    credential = (
        await objects.find(accounts.CREDENTIALS, None, credential_id)
        if decimal(credential_id, 19) is not None
        else None
    )
    if (
        credential is None
        or not token
        or not _same(str(credential.body.get("validationToken") or ""), token)
        or credential.created_at + accounts.PENDING_SECONDS <= call.ctx.clock.now()
    ):
        return None, None
    app = await objects.find(accounts.APPLICATIONS, None, str(credential.body["applicationId"]))
    return credential, app


def _html(page: str, status: int = 200, redirection: str | None = None, headers=None) -> HTMLResponse:
    return HTMLResponse(page, status, {**page_headers(redirection), **(headers or {})})


def _unknown() -> HTMLResponse:
    return _html(
        outcome_page("Unknown request", "This validation link is not valid, expired or was already used."),
        404,
    )


async def validation_page(call):
    query = call.request.query_params
    credential, app = await _pending(call, query.get("credentialId", ""), query.get("token", ""))
    if credential is None:
        return _unknown()
    csrf = secrets.token_urlsafe(18)
    page = validation_form(
        credential.id, query["token"], csrf, app.body["name"] if app else "?", credential.body["rules"]
    )
    response = _html(page, redirection=credential.body.get("redirection"))
    response.set_cookie(CSRF_COOKIE, csrf, path="/", httponly=True, samesite="strict")
    return response


def _same_origin(call) -> bool:
    """A browser's Origin, when it sends one, names this server."""
    origin = call.request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == call.request.headers.get("host", "")


async def validate(call):
    form = await _form(call)
    credential, app = await _pending(call, str(form.get("credentialId", "")), str(form.get("token", "")))
    if credential is None:
        return _unknown()
    csrf = call.request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not _same(csrf, str(form.get("csrf", ""))) or not _same_origin(call):
        return _html(
            outcome_page("Form expired", "Open the validation link again, then fill in the form there."), 403
        )
    objects = call.ctx.objects
    redirection = credential.body.get("redirection")

    def again(error: str, status: int, headers=None) -> HTMLResponse:
        page = validation_form(
            credential.id,
            str(form["token"]),
            csrf,
            app.body["name"] if app else "?",
            credential.body["rules"],
            error,
        )
        return _html(page, status, redirection, headers)

    if form.get("decision") == "refuse":

        def refuse(current) -> None:
            current.body.update(status="refused", validationToken=None)

        await objects.update(accounts.CREDENTIALS, None, credential.id, refuse)
        return _html(outcome_page("Request refused", "The application will not be able to act for you."))
    duration = str(form.get("duration", "unlimited"))
    if duration not in DURATIONS:
        return again("Choose one of the offered validities.", 400)
    try:
        who = await call.ctx.logins.password(
            str(form.get("login", "")), str(form.get("password", "")), client_address(call.request.scope)
        )
    except ApiError as refused:
        if refused.status != 429:
            raise
        return again(f"{refused.message}.", 429, refused.headers)
    if who is None:
        return again("Wrong account, user or password.", 403)
    seconds = None if duration == "unlimited" else float(duration)
    await accounts.validate_credential(objects, credential, who[0], who[1], seconds, call.ctx.clock.now())
    if redirection:
        return RedirectResponse(_redirection(redirection), 303, page_headers(redirection))
    return _html(
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
    client_id, address = pair[0], client_address(call.request.scope)
    logins = call.ctx.logins
    keys = (f"oauth2:{client_id}", f"address:{address}")
    await logins.admit(keys)
    issued = await accounts.issue_token(call.ctx.objects, client_id, pair[1], call.ctx.clock.now())
    if issued is None:
        client = await call.ctx.objects.find(accounts.OAUTH2_CLIENTS, None, client_id)
        logins.failed(
            keys,
            client and client.account,
            f"wrong secret for OAuth2 client {client_id!r:.80} from {address}",
        )
        return _oauth_error("invalid_client", "Client authentication failed", 401)
    logins.succeeded(keys[:1])
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
