"""Who is calling: a signed request (application + consumer key) or an OAuth2 bearer token.

Every refusal happens here, before any handler runs, with the `errorCode` OVHcloud's clients
dispatch on. Signed requests are checked exactly as OVHcloud checks them: the signature over
the raw URL (scheme, Host header, raw path and query) and the raw body, a timestamp within
`WINDOW` seconds of the server's clock (the same signed request is accepted again within it),
the consumer key's state, expiry and allowed IPs. Its access rules are checked by `granted`,
once the route (and so the actions refused) is known.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from starlette.requests import Request

from ..engine.clock import Clock
from ..errors import ApiError
from ..model.numbers import decimal
from ..model.records import Item
from ..model.times import iso
from ..store import Store
from ..store.cache import ItemsCache
from . import accounts
from .signature import signature_matches

__all__ = [
    "Authenticator",
    "Caller",
    "WINDOW",
    "ANONYMOUS",
    "full_url",
    "without_port",
    "granted",
    "header_map",
]

WINDOW = 300  # seconds either side of the server's clock
LAST_USE_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class Caller:
    """The identity a call acts as. `owner` is the account itself, which may do everything."""

    account: str
    identity: str
    owner: bool
    groups: tuple[str, ...] = ()
    credential: Item | None = None
    ip: str = ""
    method: str = "signature"  # or "oauth2", "token" (a user's), "none"
    schemas: dict | None = None  # the account's own default schemas major per section


ANONYMOUS = Caller(account="", identity="", owner=False, method="none")


def _invalid_credential() -> ApiError:
    return ApiError.authentication(403, "INVALID_CREDENTIAL", "This credential is not valid")


def header_map(scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name, made once per request and kept in its scope."""
    headers = scope.get("convergent.headers")
    if headers is None:
        headers = scope["convergent.headers"] = dict(scope["headers"])
    return headers


def full_url(scope, headers: dict[bytes, bytes]) -> str:
    """The URL the client signed: scheme, Host header, raw path and query exactly as sent."""
    scheme = headers.get(b"x-forwarded-proto", b"").decode("latin-1") or scope["scheme"]
    host = headers.get(b"host", b"").decode("latin-1")
    target = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"")
    return f"{scheme}://{host}{target}" + (f"?{query.decode('latin-1')}" if query else "")


def without_port(url: str) -> str:
    """`https://host:8443/path` -> `https://host/path` (IPv6 `[::1]:8443` -> `[::1]`)."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    if host.rsplit(":", 1)[-1].isdigit() and not host.endswith("]"):
        host = host.rsplit(":", 1)[0]
    return f"{scheme}{sep}{host}{slash}{path}"


def _ip_allowed(ip: str, blocks: list[str] | None) -> bool:
    if not blocks:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(block) for block in blocks)


class Authenticator:
    """Who is calling, with what it remembers between calls: the credentials it resolved
    (valid while the store's items epoch stays the same, so a revocation applies to this process's
    next call, and another process's within the epoch's refresh time) and when each credential was last noted used.

    Signatures are checked against wall-clock time (clients sign with real time); expiries
    (consumer keys, access tokens) and last uses against `clock`, the simulation clock that the
    admin surface may freeze and advance."""

    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock
        self._resolved = ItemsCache(store)
        self._last_use: dict[str, float] = {}

    async def caller(self, request: Request) -> Caller:
        scope = request.scope
        headers = header_map(scope)
        ip = scope["client"][0] if scope.get("client") else ""
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if authorization[:7].lower() == "bearer ":
            return await self._bearer(authorization[7:].strip(), ip)
        app_key = headers.get(b"x-ovh-application", b"").decode("latin-1")
        if not app_key:
            raise ApiError.authentication(401, "NOT_AUTHENTICATED", "You must login first")
        consumer_key = headers.get(b"x-ovh-consumer", b"").decode("latin-1")
        app, credential, user, schemas = await self._resolve(app_key, consumer_key)
        if app is None or app.body["status"] != "active":
            raise ApiError.authentication(403, "INVALID_KEY", "This application key is invalid")
        if not consumer_key:
            raise ApiError.authentication(
                403, "NOT_CREDENTIAL", "This call requires a consumer key (X-Ovh-Consumer)"
            )
        stamp = headers.get(b"x-ovh-timestamp", b"").decode("latin-1")
        seconds = decimal(stamp, 12)
        if seconds is None:
            raise ApiError.authentication(
                400, "INVALID_SIGNATURE", "X-Ovh-Timestamp is missing or not a Unix time"
            )
        wall = time.time()
        if abs(seconds - wall) > WINDOW:
            raise ApiError.authentication(
                400,
                "QUERY_TIME_OUT",
                f"Query out of time: X-Ovh-Timestamp {stamp} is more than {WINDOW} s from the server time "
                f"{int(wall)} (GET /auth/time)",
            )
        has_body = b"content-length" in headers or b"transfer-encoding" in headers
        body = await request.body() if has_body else b""
        provided = headers.get(b"x-ovh-signature", b"").decode("latin-1")
        secret, method = app.body["secret"], scope["method"]
        url = full_url(scope, headers)
        if not signature_matches(provided, secret, consumer_key, method, url, body, stamp):
            # The same request signed over the URL without the port (what node-ovh signs)
            portless = without_port(url)
            if portless == url or not signature_matches(
                provided, secret, consumer_key, method, portless, body, stamp
            ):
                raise ApiError.authentication(400, "INVALID_SIGNATURE", "Invalid signature")
        if credential is None or credential.body["applicationId"] != int(app.id):
            raise _invalid_credential()
        state = credential.body
        now = self.clock.now()
        if state["status"] != "validated" or (state["expiresAt"] is not None and state["expiresAt"] <= now):
            raise _invalid_credential()
        if not _ip_allowed(ip, state["allowedIPs"]):
            raise ApiError.authentication(403, "FORBIDDEN", f"This credential may not be used from {ip}")
        await self._note_use(credential, now)
        if state["login"] is None:
            return Caller(
                credential.account,
                accounts.account_urn(credential.account),
                True,
                (),
                credential,
                ip,
                schemas=schemas,
            )
        if (
            user is None
            or user.body["status"] != "OK"
            or user.body.get("identityId") != state.get("identityId")
        ):
            raise _invalid_credential()  # a user deleted, or deleted and made again, is not this one
        groups = (accounts.group_urn(credential.account, user.body["group"]),)
        return Caller(credential.account, user.body["urn"], False, groups, credential, ip, schemas=schemas)

    async def _resolve(self, app_key: str, consumer_key: str) -> tuple:
        """(application, credential, user, the account's schemas defaults) for these keys."""

        async def load() -> tuple:
            store = self.store
            app = await store.find_item(accounts.APPLICATION, app_key)
            credential = await store.find_item(accounts.CREDENTIAL, consumer_key) if consumer_key else None
            login = credential.body["login"] if credential else None
            user = await store.get_item(accounts.USER, f"{credential.account}/{login}") if login else None
            account = (
                await store.get_item(accounts.ACCOUNT, credential.account)
                if credential and credential.account
                else None
            )
            return app, credential, user, dict(account.body.get("schemas", {})) if account else {}

        return await self._resolved.get((app_key, consumer_key), load)

    @property
    def epoch(self) -> int | None:
        """The items epoch read while resolving the latest credential (one read per call)."""
        return self._resolved.epoch

    async def _bearer(self, token: str, ip: str) -> Caller:
        """An OAuth2 access token (its client acts), or a user's token (the user acts)."""

        async def load() -> tuple:
            id = accounts.token_id(token)
            store = self.store
            item = await store.get_item(accounts.OAUTH2_TOKEN, id)
            if item is not None:
                owner = await store.get_item(accounts.OAUTH2_CLIENT, item.body["clientId"])
            else:
                item = await store.find_item(accounts.USER_TOKEN, id)
                owner = await store.get_item(accounts.USER, item.parent) if item else None
            account = await store.get_item(accounts.ACCOUNT, owner.account) if owner else None
            return item, owner, dict(account.body.get("schemas", {})) if account else {}

        # Keyed by the token itself (a 3-tuple: no (app, consumer) key), so it is hashed once per epoch.
        item, owner, schemas = await self._resolved.get(("bearer", token, None), load)
        expires = item.body.get("expiresAt") if item is not None else None
        if (
            owner is None
            or (expires is not None and expires <= self.clock.now())
            # an OAuth2 token is its client's own: one made again with the same id is another
            or (
                item.kind == accounts.OAUTH2_TOKEN
                and item.body.get("identityId") != owner.body.get("identityId")
            )
        ):
            raise ApiError.authentication(
                401, "INVALID_CREDENTIAL", "This access token is not valid or has expired"
            )
        if item.kind == accounts.USER_TOKEN:
            if owner.body["status"] != "OK":
                raise _invalid_credential()
            groups = (accounts.group_urn(owner.account, owner.body["group"]),)
            return Caller(owner.account, owner.body["urn"], False, groups, None, ip, "token", schemas)
        return Caller(owner.account, owner.body["identity"], False, (), None, ip, "oauth2", schemas)

    async def _note_use(self, credential: Item, now: float) -> None:
        if now - self._last_use.get(credential.id, 0.0) < LAST_USE_EVERY:
            return
        self._last_use[credential.id] = now
        async with self.store.write() as tx:
            current = await tx.get_item(accounts.CREDENTIAL, credential.id)
            if current is not None:
                current.body["lastUse"] = iso(now)
                await tx.update_item(current)


def granted(caller: Caller, method: str, rule_path: str) -> bool:
    """Whether the consumer key's access rules let this call through (no key: nothing to limit)."""
    if caller.credential is None:
        return True
    return any(accounts.rule_matches(rule, method, rule_path) for rule in caller.credential.body["rules"])
