"""`/services`: the account's services (every resource with an IAM type) by a numeric id, found
by resource name; termination, confirmed with the token OVHcloud sends by e-mail; and
`/me/notification/email/history`, where that e-mail arrives."""

from __future__ import annotations

import hashlib
import secrets

import msgspec

from ...auth.accounts import ACCOUNTS
from ...errors import ApiError
from ...model.objects import ObjectKind
from ...model.operation import Operation
from ...model.records import Event
from ...model.status import EventType
from ...model.times import iso

__all__ = ["OPERATIONS", "EMAILS", "service_id"]

_ME = "account:apiovh:me"
_PAGE = 1000

EMAILS = ObjectKind(
    key="me.notification.email",
    label="Email",
    actions={"get": (f"{_ME}/notification/email/history/get",)},
)
TERMINATIONS = ObjectKind(key="service.termination", label="Termination")


def service_id(resource) -> int:
    """A service's number: stable for the resource (its kind and id)."""
    return int(hashlib.sha256(f"{resource.kind}:{resource.id}".encode()).hexdigest()[:8], 16) % 10**9


async def _services(call) -> list:
    kinds = [k.key for k in call.ctx.kinds.values() if k.iam_type and k.owner() is k]
    out, after = [], None
    while True:
        page = await call.ctx.store.list_resources_of(call.account, kinds, after, _PAGE)
        out += page
        if not page.more:
            return out
        after = page[-1].seq


async def _service(call):
    wanted = call.params["serviceId"]
    for resource in await _services(call):
        if str(service_id(resource)) == wanted:
            return resource
    raise ApiError.not_found("ServiceNotFound", f"Service '{wanted}' does not exist")


async def list_services(call):
    name = call.request.query_params.get("resourceName")
    return [service_id(r) for r in await _services(call) if name is None or r.id == name]


async def get_service(call):
    resource = await _service(call)
    kind = call.ctx.kinds[resource.kind]
    return {
        "billing": {"lifecycle": {"current": {"pendingActions": [], "state": "active"}}, "plan": None},
        "resource": {
            "displayName": kind.strategy.display_name(resource) or resource.id,
            "name": resource.id,
            "product": {"name": kind.iam_type},
            "state": "ok",
        },
        "route": {"path": resource.path, "url": resource.path, "vars": []},
        "serviceId": service_id(resource),
    }


async def terminate(call):
    resource = await _service(call)
    number = service_id(resource)
    token = secrets.token_hex(16)
    terminations = call.objects(TERMINATIONS)
    if await terminations.find(str(number)) is not None:
        await terminations.delete(str(number))
    await terminations.create({"token": token, "resource": resource.id}, id=str(number))
    now = call.ctx.clock.now()
    await call.objects(EMAILS).create(
        {
            "subject": f"Termination of your service {resource.id}",
            "body": (
                f"You asked to terminate the service {resource.id}. To confirm, follow "
                f"https://www.ovh.com/manager/#/billing/confirmTerminate?id={number}&token={token} "
                "(the link is valid for 72 hours)."
            ),
            "date": iso(now),
        },
        id=str(int(now * 1_000_000)),
    )
    return f"A confirmation e-mail was sent to terminate {resource.id}"


class Confirm(msgspec.Struct):
    token: str
    reason: str | None = None
    commentary: str | None = None
    futureUse: str | None = None


async def confirm(call):
    resource = await _service(call)
    body = await call.body(Confirm)
    pending = await call.objects(TERMINATIONS).find(str(service_id(resource)))
    if pending is None or not secrets.compare_digest(pending.body["token"], body.token):
        raise ApiError.invalid_field("token", "the token of the termination e-mail")
    kind = call.ctx.kinds[resource.kind]
    now = call.ctx.clock.now()
    async with call.ctx.store.write() as tx:
        current = await tx.get_resource(resource.kind, resource.id)
        if current is not None:
            await tx.delete_resource(current)
            await tx.insert_event(
                Event(
                    account=call.account,
                    kind=resource.kind,
                    resource_id=resource.id,
                    type=EventType.TARGET_SPEC_UPDATE,
                    name=f"{kind.label.upper()}_TERMINATION",
                    message=f"{kind.label} terminated",
                    link=resource.path,
                    created_at=now,
                )
            )
    await call.objects(TERMINATIONS).delete(str(service_id(resource)))
    return f"Service {resource.id} terminated"


async def _account_created(call) -> float:
    return (await call.objects(ACCOUNTS).get(call.account)).created_at


def _welcome(created: float) -> dict:
    return {
        "body": "Welcome to convergent: your account is ready.",
        "date": iso(created),
        "id": int(created * 1_000_000),
        "subject": "Your account",
    }


async def list_emails(call):
    created = await _account_created(call)
    return [_welcome(created)["id"], *(int(item.id) for item in await call.objects(EMAILS).all())]


async def get_email(call):
    wanted = call.params["id"]
    welcome = _welcome(await _account_created(call))
    if wanted == str(welcome["id"]):
        return welcome
    item = await call.objects(EMAILS).get(wanted)
    return {
        "body": item.body["body"],
        "date": item.body["date"],
        "id": int(item.id),
        "subject": item.body["subject"],
    }


def _digits(value: str) -> bool:
    return value.isdigit() and len(value) < 19


_SERVICE = "/services/{serviceId}"
_S = {"serviceId": _digits}

OPERATIONS = (
    Operation(
        "GET", "/services", list_services, ("account:apiovh:services/get",), summary="List your services"
    ),
    Operation("GET", _SERVICE, get_service, ("account:apiovh:services/get",), _S, summary="Get a service"),
    Operation(
        "POST",
        _SERVICE + "/terminate",
        terminate,
        ("account:apiovh:services/terminate",),
        _S,
        summary="Terminate a service",
    ),
    Operation(
        "POST",
        _SERVICE + "/terminate/confirm",
        confirm,
        ("account:apiovh:services/terminate/confirm",),
        _S,
        summary="Confirm the termination of a service",
    ),
    Operation(
        "GET",
        "/me/notification/email/history",
        list_emails,
        EMAILS.actions["get"],
        summary="E-mails sent to you",
    ),
    Operation(
        "GET",
        "/me/notification/email/history/{id}",
        get_email,
        EMAILS.actions["get"],
        {"id": _digits},
        summary="An e-mail sent to you",
    ),
)
