"""`/v2/iam/log`: the account's log kinds, subscriptions that forward them to a Logs Data
Platform stream, and temporary log URLs.

Subscriptions are plain objects of the registry: created, listed, read and deleted as on
OVHcloud (each answer of a change is the asynchronous operation's `LogSubscriptionResponse`).
convergent emulates no Logs Data Platform and produces no log lines: a subscription names the
stream it would feed, and a temporary URL names the log kind's description on this server."""

from __future__ import annotations

import uuid

import msgspec

from ...errors import ApiError
from ...iam.objects import IAM
from ...model.objects import ObjectKind
from ...model.operation import Operation, action
from ...model.times import iso

__all__ = ["OPERATIONS", "LOG_KINDS", "LOG_SUBSCRIPTIONS"]

# The account's log kinds: (name, display name), as OVHcloud lists them for IAM.
LOG_KINDS = (
    ("default", "Account audit logs"),
    ("access_policy", "IAM policy evaluations"),
    ("activity", "API activity"),
)
_KIND_DATE = iso(1_704_067_200)  # 2024-01-01, when these kinds appeared

LOG_SUBSCRIPTIONS = ObjectKind(
    key="iam.log.subscription",
    label="Subscription",
    actions={verb: action(IAM, f"log/subscription/{verb}") for verb in ("get", "create", "delete")},
    event="IAM_LOG_SUBSCRIPTION",
)


def _kind_view(name: str, display: str) -> dict:
    return {
        "additionalReturnedFields": ["identity", "action", "resource"],
        "createdAt": _KIND_DATE,
        "displayName": display,
        "kindId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"convergent:iam:log:{name}")),
        "name": name,
        "updatedAt": _KIND_DATE,
    }


def _known_kind(name: str, field: str) -> None:
    if name not in dict(LOG_KINDS):
        raise ApiError.invalid_field(field, f"one of {', '.join(n for n, _ in LOG_KINDS)}")


async def list_kinds(call):
    return await call.paginate_items([name for name, _ in LOG_KINDS])


async def get_kind(call):
    name = call.params["name"]
    display = dict(LOG_KINDS).get(name)
    if display is None:
        raise ApiError.not_found("LogKindNotFound", f"Log kind '{name}' does not exist")
    return _kind_view(name, display)


class SubscriptionCreation(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    streamId: str


def _service_name(stream: str) -> str:
    return f"ldp-{stream.replace('-', '')[:5]}"


def _subscription(call, item) -> dict:
    b = item.body
    return {
        "createdAt": iso(item.created_at),
        "kind": b["kind"],
        "resource": {"name": call.account, "type": "account"},
        "serviceName": b["serviceName"],
        "streamId": b["streamId"],
        "subscriptionId": item.id,
        "updatedAt": iso(item.updated_at),
    }


def _operation(item) -> dict:
    return {"operationId": str(uuid.uuid4()), "serviceName": item.body["serviceName"]}


async def list_subscriptions(call):
    kind = call.request.query_params.get("kind")
    items = await call.objects(LOG_SUBSCRIPTIONS).all()
    return await call.paginate_items([i.id for i in items if kind is None or i.body["kind"] == kind])


async def create_subscription(call):
    body = await call.body(SubscriptionCreation)
    _known_kind(body.kind, "kind")
    try:
        stream = str(uuid.UUID(body.streamId))
    except ValueError:
        raise ApiError.invalid_field("streamId", "a stream UUID") from None
    subscriptions = call.objects(LOG_SUBSCRIPTIONS)
    if any(s.body["kind"] == body.kind and s.body["streamId"] == stream for s in await subscriptions.all()):
        raise ApiError.conflict(
            "SubscriptionAlreadyExists", f"Kind '{body.kind}' already goes to stream {stream}"
        )
    item = await subscriptions.create(
        {"kind": body.kind, "streamId": stream, "serviceName": _service_name(stream)}
    )
    return _operation(item)


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def get_subscription(call):
    return _subscription(call, await call.objects(LOG_SUBSCRIPTIONS).get(call.params["subscriptionId"]))


async def delete_subscription(call):
    return _operation(await call.objects(LOG_SUBSCRIPTIONS).delete(call.params["subscriptionId"]))


class UrlCreation(msgspec.Struct, forbid_unknown_fields=True):
    kind: str


async def create_url(call):
    body = await call.body(UrlCreation)
    _known_kind(body.kind, "kind")
    base = str(call.request.base_url).rstrip("/")
    return {"expirationDate": iso(call.ctx.clock.now() + 3600), "url": f"{base}/v2/iam/log/kind/{body.kind}"}


_SUB = {"subscriptionId": _uuid}

OPERATIONS = (
    Operation(
        "GET", "/iam/log/kind", list_kinds, action(IAM, "log/kind/get"), summary="Log kinds", paged=True
    ),
    Operation("GET", "/iam/log/kind/{name}", get_kind, action(IAM, "log/kind/get"), summary="A log kind"),
    Operation(
        "GET",
        "/iam/log/subscription",
        list_subscriptions,
        LOG_SUBSCRIPTIONS.actions["get"],
        summary="Log subscriptions",
        paged=True,
    ),
    Operation(
        "POST",
        "/iam/log/subscription",
        create_subscription,
        (*LOG_SUBSCRIPTIONS.actions["create"], "ldp:apiovh:output/graylog/stream/forwardTo"),
        summary="Forward a log kind to a Logs Data Platform stream",
    ),
    Operation(
        "DELETE",
        "/iam/log/subscription/{subscriptionId}",
        delete_subscription,
        LOG_SUBSCRIPTIONS.actions["delete"],
        _SUB,
        summary="Delete a log subscription",
    ),
    Operation(
        "GET",
        "/iam/log/subscription/{subscriptionId}",
        get_subscription,
        LOG_SUBSCRIPTIONS.actions["get"],
        _SUB,
        summary="A log subscription",
    ),
    Operation(
        "POST", "/iam/log/url", create_url, action(IAM, "log/url/create"), summary="A temporary log URL"
    ),
)
