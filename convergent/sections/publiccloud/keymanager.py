"""Key manager (Barbican): secrets (payloads, generated keys, expiry, metadata), containers of
secret references, and the consumers that declare they use one or the other."""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Literal

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Step, is_uuid
from ...model.objects import ObjectKind
from ...model.operation import Operation
from ...model.records import Resource
from .in_project import PROJECT_PARAM
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    project_kind,
    refuse_changes,
)
from .project import PROJECT

__all__ = ["SECRET", "CONTAINER", "CONSUMER_OPERATIONS"]

SECRET_TYPES = ("SYMMETRIC", "PUBLIC", "PRIVATE", "PASSPHRASE", "CERTIFICATE", "OPAQUE")
CONTAINER_TYPES = ("GENERIC", "RSA", "CERTIFICATE")
CONTENT_TYPES = ("TEXT_PLAIN", "APPLICATION_OCTET_STREAM", "APPLICATION_PKCS8", "APPLICATION_PKIX_CERT")
ALGORITHMS = {
    "AES": (128, 192, 256),
    "DES": (56,),
    "3DES": (168,),
    "RSA": (1024, 2048, 4096),
    "HMACSHA256": (256,),
}
MODES = ("CBC", "CTR", "GCM", "XTS", "ECB")
MAX_PAYLOAD = 10_000


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class SecretTargetSpec(_Spec):
    name: str
    secretType: str
    location: CloudLocation
    algorithm: str | None = None
    bitLength: int | None = None
    mode: str | None = None
    payload: str | None = None
    payloadContentType: str | None = None
    expiration: str | None = None
    metadata: dict[str, str] | None = None


class SecretUpdateTargetSpec(_Spec):
    metadata: dict[str, str] | None = None
    name: str | None = None
    secretType: str | None = None
    location: CloudLocation | None = None


class SecretRefId(_Spec):
    id: str


class SecretRef(_Spec):
    secret: SecretRefId
    name: str | None = None


class ContainerTargetSpec(_Spec):
    name: str
    type: str
    location: CloudLocation
    secretRefs: list[SecretRef] | None = None


class ContainerUpdateTargetSpec(_Spec):
    secretRefs: list[SecretRef] | None = None
    name: str | None = None
    type: str | None = None
    location: CloudLocation | None = None


def _upper(spec: dict, field: str, allowed) -> None:
    value = spec.get(field)
    if value is None:
        return
    spec[field] = value = value.upper()
    if value not in allowed:
        raise ApiError.bad_request(
            "InvalidSecret", f"{field} {value!r} is not one of {', '.join(allowed)}", field=field
        )


def _check_secret(spec: dict) -> None:
    check_name(spec["name"])
    check_region(spec["location"])
    _upper(spec, "secretType", SECRET_TYPES)
    _upper(spec, "algorithm", ALGORITHMS)
    _upper(spec, "mode", MODES)
    _upper(spec, "payloadContentType", CONTENT_TYPES)
    bits, algorithm = spec.get("bitLength"), spec.get("algorithm")
    if bits is not None and algorithm and bits not in ALGORITHMS[algorithm]:
        raise ApiError.bad_request(
            "InvalidSecret", f"bitLength {bits} is not offered for {algorithm}", field="bitLength"
        )
    payload = spec.get("payload")
    if payload is not None:
        if len(payload) > MAX_PAYLOAD:
            raise ApiError.bad_request(
                "InvalidSecret", f"payload is over {MAX_PAYLOAD} bytes", field="payload"
            )
        if not spec.get("payloadContentType"):
            raise ApiError.bad_request(
                "InvalidSecret", "a payload needs its payloadContentType", field="payloadContentType"
            )
    elif spec.get("payloadContentType"):
        raise ApiError.bad_request("InvalidSecret", "payloadContentType without a payload", field="payload")
    expiration = spec.get("expiration")
    if expiration is not None:
        try:
            when = datetime.datetime.fromisoformat(expiration.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError.bad_request(
                "InvalidSecret", f"expiration {expiration!r} is not an RFC 3339 date", field="expiration"
            ) from None
        if when.tzinfo is None:
            raise ApiError.bad_request(
                "InvalidSecret", "expiration must be a future date with its zone", field="expiration"
            )


def _check_future(spec: dict, now: float) -> None:
    expiration = spec.get("expiration")
    if (
        expiration is not None
        and datetime.datetime.fromisoformat(expiration.replace("Z", "+00:00")).timestamp() <= now
    ):
        raise ApiError.bad_request(
            "InvalidSecret", "expiration must be a future date with its zone", field="expiration"
        )


class SecretStrategy(InfraStrategy):
    label = "Secret"
    secret_spec = frozenset({"payload"})

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        _check_secret(spec)
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        _check_future(spec, view.now)  # on the server's clock
        return await super().admit_create(view, spec, parent)

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("name", "secretType", "location"), "Secret")
        merged = carry_over(stored, spec, SecretUpdateTargetSpec)
        for name in ("name", "secretType", "location"):
            merged[name] = stored[name]
        if not merged.get("metadata"):
            merged.pop("metadata", None)
        return merged


def _observe_secret(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {k: v for k, v in spec.items() if k != "payload"}
    if spec["secretType"] == "SYMMETRIC" and not spec.get("payload"):
        state.setdefault("algorithm", "AES")
        state.setdefault("bitLength", 256)
        state.setdefault("mode", "CBC")
    state["secretRef"] = (
        f"https://keymanager.{spec['location']['region'].lower()}.cloud.ovh.net/v1/secrets/{resource.id}"
    )
    state["status"] = "ACTIVE"
    return state


class ContainerStrategy(InfraStrategy):
    label = "Container"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec["name"])
        check_region(spec["location"])
        _upper(spec, "type", CONTAINER_TYPES)
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        await _check_refs(view, spec, parent.id)
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("name", "type", "location"), "Container")
        merged = carry_over(stored, spec, ContainerUpdateTargetSpec)
        for name in ("name", "type", "location"):
            merged[name] = stored[name]
        if not merged.get("secretRefs"):
            merged.pop("secretRefs", None)
        return merged

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        await _check_refs(view, spec, resource.parent_id)


async def _check_refs(view: AccountView, spec: dict, project: str) -> None:
    names = [ref.get("name") for ref in spec.get("secretRefs") or []]
    if len(set(names)) != len(names):
        raise ApiError.bad_request(
            "InvalidContainer", "secretRefs names a secret reference twice", field="secretRefs"
        )
    for i, ref in enumerate(spec.get("secretRefs") or []):
        found = await view.resource(SECRET, ref["secret"]["id"])
        if found is None or found.parent_id != project:
            raise ApiError.bad_request(
                "InvalidReference",
                f"secretRefs[{i}]: secret '{ref['secret']['id']}' does not exist in this project",
                field=f"secretRefs[{i}].secret.id",
            )
        if found.target_spec["location"]["region"] != spec["location"]["region"]:
            raise ApiError.bad_request(
                "InvalidReference",
                f"secretRefs[{i}]: secret '{found.id}' is in another region",
                field=f"secretRefs[{i}].secret.id",
            )


def _observe_container(resource: Resource) -> dict:
    spec = resource.target_spec
    state = dict(spec)
    region = spec["location"]["region"].lower()
    state["containerRef"] = f"https://keymanager.{region}.cloud.ovh.net/v1/containers/{resource.id}"
    state["status"] = "ACTIVE"
    return state


def _kind(name, label, path, id_param, spec, update, reconciler, strategy) -> Kind:
    return project_kind(
        name,
        label,
        f"/publicCloud/project/{{projectId}}/keyManager/{path}",
        id_param,
        spec,
        update,
        reconciler,
        strategy,
        PROJECT,
        f"keyManager/{path}/",
    )


SECRET = _kind(
    "secret",
    "Secret",
    "secret",
    "secretId",
    SecretTargetSpec,
    SecretUpdateTargetSpec,
    Mirror(
        "SECRET",
        "secret",
        _observe_secret,
        create=(Step("Check target specification", 0.3), Step("Store secret", 1.5)),
        update=(Step("Update metadata", 0.5),),
        delete=(Step("Delete secret", 1.0),),
    ),
    SecretStrategy(),
)

CONTAINER = _kind(
    "container",
    "Container",
    "container",
    "containerId",
    ContainerTargetSpec,
    ContainerUpdateTargetSpec,
    Mirror(
        "CONTAINER",
        "container",
        _observe_container,
        create=(Step("Check target specification", 0.3), Step("Store container", 1.0)),
        update=(Step("Update secret references", 0.5),),
        delete=(Step("Delete container", 1.0),),
    ),
    ContainerStrategy(),
)


# Consumers: plain objects (no task) that belong to a secret or a container.


class ConsumerBody(msgspec.Struct, forbid_unknown_fields=True):
    service: str
    resourceType: str
    resourceId: str


def consumer_id(body: dict) -> str:
    raw = f"{body['service']}:{body['resourceType']}:{body['resourceId']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


CONSUMER = ObjectKind(
    key="publicCloud.keyManagerConsumer",
    label="Consumer",
    actions={"get": ("publicCloudProject:apiovh:keyManager/consumer/get",)},
)


def _consumer_wire(item) -> dict:
    return {"id": item.id.rpartition("/")[2], **item.body}


def _consumer_routes(owner: Kind, noun: Literal["secret", "container"]):
    item_param = owner.id_param

    async def owned(call) -> Resource:
        return await call.resource(owner)

    async def create(call):
        resource = await owned(call)
        body = msgspec.to_builtins(await call.body(ConsumerBody))
        for field in ("service", "resourceType"):
            body[field] = body[field].upper()
        id = consumer_id(body)
        item = await call.objects(CONSUMER, parent=resource.id).create(body, id=f"{resource.id}/{id}")
        return _consumer_wire(item)

    async def list_(call):
        resource = await owned(call)
        items = await call.objects(CONSUMER, parent=resource.id).all()
        return await call.paginate_items([_consumer_wire(i) for i in items])

    async def get(call):
        resource = await owned(call)
        item = await call.objects(CONSUMER, parent=resource.id).get(
            f"{resource.id}/{call.params['consumerId']}"
        )
        return _consumer_wire(item)

    async def delete(call):
        resource = await owned(call)
        await call.objects(CONSUMER, parent=resource.id).delete(f"{resource.id}/{call.params['consumerId']}")
        return None

    base = f"{owner.item}/consumer"
    params = {**PROJECT_PARAM, item_param: is_uuid}
    on_item = {**params, "consumerId": lambda v: 0 < len(v) <= 512}
    action = f"publicCloudProject:apiovh:keyManager/{noun}/consumer"
    return (
        Operation(
            "GET", base, list_, (f"{action}/get",), params, f"List the consumers of a {noun}", paged=True
        ),
        Operation("POST", base, create, (f"{action}/create",), params, f"Register a consumer of a {noun}"),
        Operation(
            "GET", f"{base}/{{consumerId}}", get, (f"{action}/get",), on_item, f"Get a consumer of a {noun}"
        ),
        Operation(
            "DELETE",
            f"{base}/{{consumerId}}",
            delete,
            (f"{action}/delete",),
            on_item,
            f"Remove a consumer of a {noun}",
        ),
    )


async def secret_payload(call):
    resource = await call.resource(SECRET)
    spec = resource.target_spec
    payload = spec.get("payload")
    if payload is None:
        if spec["secretType"] != "SYMMETRIC":
            raise ApiError.not_found("PayloadNotFound", f"Secret '{resource.id}' holds no payload")
        length = (spec.get("bitLength") or 256) // 8
        payload = base64.b64encode(_generated_key(resource.id, length)).decode()
    return {"payload": payload}


def _generated_key(secret: str, length: int) -> bytes:
    """The key material the service generated for a secret: stable for the secret's lifetime."""
    return hashlib.shake_256(f"convergent-keymanager/{secret}".encode()).digest(length)


CONSUMER_OPERATIONS = (
    *_consumer_routes(SECRET, "secret"),
    *_consumer_routes(CONTAINER, "container"),
    Operation(
        "POST",
        f"{SECRET.item}/payload",
        secret_payload,
        ("publicCloudProject:apiovh:keyManager/secret/payload/get",),
        {**PROJECT_PARAM, SECRET.id_param: is_uuid},
        "Read the payload of a secret",
    ),
)
