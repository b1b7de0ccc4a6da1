"""Accounts and what acts for them: users, applications, consumer keys, OAuth2 clients and tokens.

All of them are plain objects, served by the registry (engine/objects.py); this module declares
their kinds and is the one place that knows their shapes and how they change. Secrets are kept hashed where the protocol allows it
(passwords, OAuth2 client secrets and tokens); application secrets are kept as they are,
since verifying a request signature needs them.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import secrets
import string
import uuid
from dataclasses import dataclass

from ..engine.objects import Objects
from ..errors import ApiError
from ..iam.objects import POLICIES
from ..iam.policy import matches
from ..model.objects import ObjectKind, ObjectStrategy
from ..model.records import Item
from ..model.times import iso
from ..store import Store
from .passwords import hash_password

__all__ = [
    "ACCOUNT",
    "USER",
    "APPLICATION",
    "CREDENTIAL",
    "OAUTH2_CLIENT",
    "OAUTH2_TOKEN",
    "ACCOUNTS",
    "USERS",
    "APPLICATIONS",
    "CREDENTIALS",
    "OAUTH2_CLIENTS",
    "OAUTH2_TOKENS",
    "Issued",
    "account_urn",
    "user_urn",
    "service_urn",
    "new_nic",
    "ensure_account",
    "create_user",
    "create_application",
    "request_credential",
    "validate_credential",
    "issue_credential",
    "issue_service_account",
    "create_oauth2_client",
    "issue_token",
    "collect_expired",
    "rule_matches",
    "allowed_blocks",
]

ACCOUNT = "account"
USER = "user"
APPLICATION = "application"
CREDENTIAL = "credential"
OAUTH2_CLIENT = "oauth2.client"
OAUTH2_TOKEN = "oauth2.token"
USER_TOKEN = "identity.token"  # a user's tokens (auth/identities.py)

TOKEN_SECONDS = 3600
PENDING_SECONDS = 3600  # a validation link's life
MAX_PENDING = 100  # keys of one application waiting for validation at once
MAX_RULES = 256  # access rules of a consumer key, and its allowedIPs
MAX_RULE_PATH = 1024
_KEY_ALPHABET = string.ascii_letters + string.digits
_NIC = re.compile(r"[a-z]{2}\d{1,6}-ovh")
_LOGIN = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def _key(length: int = 32) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


def _long_id(fresh: str) -> str:
    """A ten-digit id, drawn from the registry's fresh UUID (so seeded ids are repeatable)."""
    return str(int(fresh.replace("-", ""), 16) % (9 * 10**9) + 10**9)


def _uuid4() -> str:
    return str(uuid.uuid4())


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def account_urn(nic: str) -> str:
    return f"urn:v1:eu:identity:account:{nic}"


def user_urn(nic: str, login: str) -> str:
    return f"urn:v1:eu:identity:user:{nic}/{login}"


def group_urn(nic: str, group: str) -> str:
    return f"urn:v1:eu:identity:group:{nic}/{group}"


def service_urn(nic: str, client_id: str) -> str:
    return f"urn:v1:eu:identity:credential:{nic}/oauth2-{client_id}"


def new_nic() -> str:
    return f"{''.join(secrets.choice(string.ascii_lowercase) for _ in range(2))}{secrets.randbelow(9000) + 1000}-ovh"


def is_nic(value: str) -> bool:
    return _NIC.fullmatch(value) is not None


@dataclass(frozen=True)
class Issued:
    """A ready-to-use credential, as `convergent credential create --json` prints it."""

    account: str
    application_key: str
    application_secret: str
    consumer_key: str

    def as_json(self, endpoint: str) -> dict:
        return {
            "account": self.account,
            "applicationKey": self.application_key,
            "applicationSecret": self.application_secret,
            "consumerKey": self.consumer_key,
            "endpoint": endpoint,
        }


ME = "account:apiovh:me"


def _actions(what: str, *verbs: str) -> dict[str, tuple[str, ...]]:
    return {verb: (f"{ME}/{what}{verb}",) for verb in verbs}


class ApplicationStrategy(ObjectStrategy):
    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return {**body, "applicationId": int(id)}

    def key(self, body: dict) -> str | None:
        return body["applicationKey"]


class CredentialStrategy(ObjectStrategy):
    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return {**body, "credentialId": int(id)}


class ClientStrategy(ObjectStrategy):
    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        service = body["flow"] == "CLIENT_CREDENTIALS"
        return {**body, "clientId": id, "identity": service_urn(account, id) if service else None}


ACCOUNTS = ObjectKind(key=ACCOUNT, label="Account", actions=_actions("", "get"))
USERS = ObjectKind(
    key=USER,
    label="User",
    actions=_actions("identity/user/", "get", "create", "edit", "delete", "disable", "enable"),
    children=(USER_TOKEN,),
    per_account_ids=True,
    event="IDENTITY_USER",
)
# A consumer key belongs to its application (deleted with it) and to the account that validated it.
APPLICATIONS = ObjectKind(
    key=APPLICATION,
    label="Application",
    strategy=ApplicationStrategy(),
    actions=_actions("api/application/", "get", "delete"),
    children=(CREDENTIAL,),
    new_id=_long_id,
    event="API_APPLICATION",
)
CREDENTIALS = ObjectKind(
    key=CREDENTIAL,
    label="Credential",
    strategy=CredentialStrategy(),
    actions=_actions("api/credential/", "get", "edit", "delete", "application/get"),
    new_id=_long_id,
    event="API_CREDENTIAL",
)
OAUTH2_CLIENTS = ObjectKind(
    key=OAUTH2_CLIENT,
    label="Client",
    strategy=ClientStrategy(),
    actions=_actions("api/oauth2/client/", "get", "create", "edit", "delete"),
    new_id=lambda fresh: f"EU.{fresh.replace('-', '')[:16]}",
    children=(OAUTH2_TOKEN,),  # its tokens end with it
    event="API_OAUTH2_CLIENT",
)
OAUTH2_TOKENS = ObjectKind(key=OAUTH2_TOKEN, label="Token")


def objects_at(store: Store, now: float) -> Objects:
    """The registry on `store`, writing at the time `now` (for work outside an API call)."""
    return Objects(store, lambda: now, _uuid4)


async def ensure_account(
    store: Store, nic: str, now: float, password: str | None = None, *, login: bool = True
) -> tuple[Item, str | None]:
    """The account `nic`, created when missing; the second value is its new password, if made.
    With `login=False` and no `password`, a new account gets none (nobody could learn a random
    one, and hashing it costs tens of milliseconds): its owner cannot log in to validation pages."""
    if not is_nic(nic):
        raise ApiError.invalid_parameter("account", f"{nic!r} is not an account name like xx1111-ovh")
    objects = objects_at(store, now)
    existing = await objects.find(ACCOUNTS, nic, nic)
    if existing is not None:
        return existing, None
    if password is None and not login:
        password_hash = ""
    else:
        password = password or _key(20)
        password_hash = await asyncio.to_thread(hash_password, password)  # not on the loop
    body = {
        "nichandle": nic,
        "email": f"{nic}@example.invalid",
        "passwordHash": password_hash,
        "state": "complete",
        "customerCode": str(secrets.randbelow(9 * 10**7) + 10**7),
    }
    try:
        return await objects.create(ACCOUNTS, nic, body, id=nic), password
    except ApiError:  # another process created it since
        return await objects.get(ACCOUNTS, nic, nic), None


async def create_user(
    objects: Objects,
    nic: str,
    login: str,
    password: str,
    now: float,
    *,
    email: str = "",
    description: str = "",
    group: str = "DEFAULT",
) -> Item:
    if not _LOGIN.fullmatch(login):
        raise ApiError.invalid_field("login", "1 to 64 letters, digits or ._@-")
    if len(password) < 8:
        raise ApiError.invalid_field("password", "at least 8 characters")
    body = {
        "login": login,
        "email": email,
        "description": description,
        "group": group,
        "status": "OK",
        "creation": iso(now),
        "lastUpdate": iso(now),
        "passwordLastUpdate": iso(now),
        "urn": user_urn(nic, login),
        "passwordHash": await asyncio.to_thread(hash_password, password),  # not on the loop
        "identityId": _uuid4(),  # this user's own: a user made again with its login is another
    }
    return await objects.create(USERS, nic, body, id=login)


async def create_application(
    store: Store,
    nic: str,
    name: str,
    description: str,
    now: float,
    key: str | None = None,
    secret: str | None = None,
) -> Item:
    body = {
        "name": name,
        "description": description,
        "status": "active",
        "secret": secret or _key(32),
        "applicationKey": key or _key(16),
    }
    return await objects_at(store, now).create(APPLICATIONS, nic, body)


def _rules(rules) -> list[dict]:
    if len(rules or ()) > MAX_RULES:
        raise ApiError.invalid_field("accessRules", f"at most {MAX_RULES} rules")
    out = []
    for i, rule in enumerate(rules or []):
        if (
            not isinstance(rule, dict)
            or not isinstance(rule.get("path"), str)
            or not rule["path"].startswith("/")
            or len(rule["path"]) > MAX_RULE_PATH
        ):
            raise ApiError.invalid_field(
                f"accessRules[{i}].path", f"a path starting with / of at most {MAX_RULE_PATH} characters"
            )
        method = str(rule.get("method", "")).upper()
        if method not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            raise ApiError.invalid_field(f"accessRules[{i}].method", "one of GET, POST, PUT, DELETE, PATCH")
        out.append({"method": method, "path": rule["path"]})
    return out


def allowed_blocks(allowed) -> list[str] | None:
    """A key's allowedIPs as CIDR blocks (an address is its /32 or /128); None: anywhere."""
    if allowed is None:
        return None
    if len(allowed) > MAX_RULES:
        raise ApiError.invalid_field("allowedIPs", f"at most {MAX_RULES} addresses or blocks")
    out = []
    for i, block in enumerate(allowed):
        try:
            out.append(ipaddress.ip_network(str(block), strict=False).with_prefixlen)
        except ValueError:
            raise ApiError.invalid_field(f"allowedIPs[{i}]", "an IP address or CIDR block") from None
    return out


async def request_credential(
    objects: Objects, app: Item, rules, redirection, allowed_ips, now: float, consumer_key: str | None = None
) -> Item:
    """A new consumer key of the application `app`, pending validation by an account owner or
    user (it has no account until then)."""
    body = {
        "applicationId": int(app.id),
        "rules": _rules(rules),
        "allowedIPs": allowed_blocks(allowed_ips),
        "status": "pendingValidation",
        "creation": iso(now),
        "expiration": None,
        "lastUse": None,
        "ovhSupport": False,
        "redirection": redirection,
        "login": None,
        "validationToken": _key(24),
        "expiresAt": None,
    }
    return await objects.create(CREDENTIALS, "", body, key=consumer_key or _key(32), parent=app.id)


async def validate_credential(
    objects: Objects, credential: Item, nic: str, login: str | None, seconds: float | None, now: float
) -> Item:
    """Grant the pending `credential` to the account `nic` (or its user `login`). The key is
    bound to that user's own identity id: deleting the user ends it, even if a user with the
    same login is made again."""
    user = await objects.find(USERS, nic, login) if login else None
    if login and user is None:
        raise ApiError.conflict("CredentialNotPending", f"User '{login}' no longer exists")

    def grant(current: Item) -> None:
        if current.body["status"] != "pendingValidation":
            raise ApiError.conflict("CredentialNotPending", "This credential is not waiting for validation")
        current.account = nic
        current.body.update(
            status="validated",
            login=login,
            identityId=user.body.get("identityId") if user else None,
            validationToken=None,
            expiresAt=None if seconds is None else now + seconds,
            expiration=None if seconds is None else iso(now + seconds),
        )

    return await objects.update(CREDENTIALS, None, credential.id, grant)


async def issue_credential(
    store: Store, nic: str, now: float, rules=None, keys: dict | None = None
) -> Issued:
    """An application and a validated consumer key for the account owner (created if missing).
    `keys` may fix applicationKey, applicationSecret and consumerKey (fixtures)."""
    keys = keys or {}
    await ensure_account(store, nic, now, login=False)
    app = await create_application(
        store,
        nic,
        "convergent",
        "created by convergent",
        now,
        keys.get("applicationKey"),
        keys.get("applicationSecret"),
    )
    objects = objects_at(store, now)
    every = rules or [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]
    pending = await request_credential(objects, app, every, None, None, now, keys.get("consumerKey"))
    await validate_credential(objects, pending, nic, None, None, now)
    return Issued(nic, app.key, app.body["secret"], pending.key)


async def create_oauth2_client(
    objects: Objects,
    nic: str,
    name: str,
    description: str,
    now: float,
    flow: str = "CLIENT_CREDENTIALS",
    callback_urls: list[str] | None = None,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[Item, str]:
    """An OAuth2 client; returns it and its secret (shown once, kept hashed). A CLIENT_CREDENTIALS
    client is a service account (an identity of its own); an AUTHORIZATION_CODE client acts for
    the users who authorise it, at its callback URLs, and has none. `client_id` and `secret` may be
    fixed (keys registered on first sight by `convergent.testing.mock_ovh`)."""
    secret = secret or _key(40)
    body = {
        "name": name,
        "description": description,
        "flow": flow,
        "callbackUrls": list(callback_urls or []),
        "secretHash": _sha256(secret),
        "identityId": _uuid4(),
    }
    return await objects.create(OAUTH2_CLIENTS, nic, body, id=client_id), secret


async def issue_token(objects: Objects, client_id: str, secret: str, now: float) -> tuple[str, Item] | None:
    client = await objects.find(OAUTH2_CLIENTS, None, client_id)
    if client is None or not secrets.compare_digest(client.body["secretHash"], _sha256(secret)):
        return None
    if client.body["identity"] is None:  # AUTHORIZATION_CODE: no identity to grant a token to
        return None
    token = secrets.token_urlsafe(32)
    body = {
        "clientId": client_id,
        "identityId": client.body.get("identityId"),
        "expiresAt": now + TOKEN_SECONDS,
    }
    await objects.create(OAUTH2_TOKENS, client.account, body, id=_sha256(token), parent=client.id)
    return token, client


async def collect_expired(store: Store, now: float) -> int:
    """Delete the OAuth2 tokens past their life, and the consumer keys never validated (pending
    or refused: they have no account) past a validation link's life; how many went."""
    async with store.write() as tx:
        tokens = await tx.delete_items_before(OAUTH2_TOKEN, now - TOKEN_SECONDS)
        pending = await tx.delete_items_before(CREDENTIAL, now - PENDING_SECONDS, account="")
    return tokens + pending


def rule_matches(rule: dict, method: str, path: str) -> bool:
    """An access rule: same method, and its path with `*` standing for any run of characters."""
    return rule["method"] == method and matches(rule["path"], path)


def token_id(token: str) -> str:
    return _sha256(token)


async def issue_service_account(
    store: Store,
    nic: str,
    now: float,
    group: str = "urn:v1:eu:permissionsGroup:ovh-admin",
    client_id: str | None = None,
    secret: str | None = None,
) -> dict:
    """An OAuth2 service account of the account (created if missing) and an IAM policy giving it
    `group` on every resource of the account; its client id and secret (shown once)."""
    await ensure_account(store, nic, now, login=False)
    objects = objects_at(store, now)
    client, secret = await create_oauth2_client(
        objects, nic, "convergent", "created by convergent", now, client_id=client_id, secret=secret
    )
    await objects.create(
        POLICIES,
        nic,
        {
            "conditions": None,
            "description": "created by convergent credential create --oauth2",
            "expiredAt": None,
            "identities": [client.body["identity"]],
            "name": f"service account {client.id}",
            "permissions": {"allow": [], "except": [], "deny": []},
            "permissionsGroups": [{"urn": group}],
            "resources": [{"urn": "urn:v1:eu:resource:*"}],
        },
    )
    return {
        "account": nic,
        "clientId": client.id,
        "clientSecret": secret,
        "identity": client.body["identity"],
    }
