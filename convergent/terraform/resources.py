"""Terraform resources: as-code resources (checksum, wait for READY) and plain objects.

`convergent_resource` serves any as-code kind of any section, built in or installed, by its
collection path and its target spec as JSON; the named resources below give a few kinds
typed attributes.

What every as-code kind shares lives in `AsCode`: create (POST, wait READY), read (GET; gone
when 404), update (GET for the checksum, PUT the live targetSpec with the configured fields laid
over it, wait READY), delete (DELETE, wait for 404; where the API offers no DELETE, a warning
and removal from the state) and import (by id, or `parent/id`). A kind
is a few lines: its collection, its parent path parameters and its fields.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from tf import schema, types
from tf.iface import (
    CreateContext,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    Resource,
    UpdateContext,
)
from tf.types import Unknown

from ..apply.plan import merged
from ..client import ApiError, NotFoundError, TaskFailed, WaitTimeout
from .dynamic import Dynamic, Typed, type_of

__all__ = ["AsCode", "AnyResource", "CloudProject", "CloudProjectRancher", "IamPolicy", "RESOURCES"]

POLL = 0.5


def _given(value: Any) -> bool:
    return value is not None and value is not Unknown


def _failed(ctx, what: str, error: Exception) -> None:
    ctx.diagnostics.add_error(f"{what} failed", str(error))


class _Base(Resource):
    name: ClassVar[str]

    def __init__(self, provider):
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @property
    def api(self):
        return self.provider.client


class AsCode(_Base):
    """An as-code resource. `collection` is a path template over the `parents` attributes;
    `fields` maps Terraform attributes to targetSpec keys; `types_` gives each field's type
    (String by default). Optional fields are also computed, so server defaults are no drift."""

    collection: ClassVar[str]
    parents: ClassVar[tuple[str, ...]] = ()
    fields: ClassVar[dict[str, str]]
    required: ClassVar[tuple[str, ...]] = ()
    replace: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def get_schema(cls) -> schema.Schema:
        attrs = [
            schema.Attribute(p, types.String(), required=True, requires_replace=True) for p in cls.parents
        ]
        for attr in cls.fields:
            if attr in cls.required:
                attrs.append(
                    schema.Attribute(
                        attr, types.String(), required=True, requires_replace=attr in cls.replace
                    )
                )
            else:
                attrs.append(
                    schema.Attribute(
                        attr,
                        types.String(),
                        optional=True,
                        computed=True,
                        requires_replace=attr in cls.replace,
                    )
                )
        attrs += [
            schema.Attribute("id", types.String(), computed=True, description="Server-generated id"),
            schema.Attribute("urn", types.String(), computed=True, description="IAM URN"),
            schema.Attribute(
                "checksum", types.String(), computed=True, description="Checksum of the target spec"
            ),
            schema.Attribute(
                "resource_status", types.String(), computed=True, description="READY once applied"
            ),
        ]
        return schema.Schema(version=1, attributes=attrs)

    def _collection(self, state: dict) -> str:
        return self.collection.format(**{p: state[p] for p in self.parents})

    def _spec(self, state: dict) -> dict:
        return {key: state[attr] for attr, key in self.fields.items() if _given(state.get(attr))}

    def _state(self, item: dict, parents: dict) -> dict:
        spec = item.get("targetSpec") or {}
        state = {p: parents[p] for p in self.parents}
        state.update({attr: spec.get(key) for attr, key in self.fields.items()})
        state.update(
            id=item["id"],
            urn=(item.get("iam") or {}).get("urn"),
            checksum=item.get("checksum"),
            resource_status=item.get("resourceStatus"),
        )
        return state

    def plan(self, ctx: PlanContext, current: dict | None, planned: dict) -> dict:
        """A changed spec gets a new checksum: unknown until applied."""
        if current is not None and ctx.changed_fields & set(self.fields):
            planned["checksum"] = Unknown
        return planned

    def create(self, ctx: CreateContext, planned: dict) -> dict | None:
        collection = self._collection(planned)
        try:
            created = self.api.post(collection, {"targetSpec": self._spec(planned)})
            ready = self.api.wait(created, path=f"{collection}/{created['id']}", poll=POLL)
        except (ApiError, TaskFailed, WaitTimeout) as error:
            return _failed(ctx, f"creating {self.name}", error)
        return self._state(ready, planned)

    def read(self, ctx: ReadContext, current: dict) -> dict | None:
        try:
            item = self.api.get(f"{self._collection(current)}/{current['id']}")
        except NotFoundError:
            return None
        except ApiError as error:
            _failed(ctx, f"reading {self.name}", error)
            return current
        return self._state(item, current)

    def update(self, ctx: UpdateContext, current: dict, planned: dict) -> dict | None:
        path = f"{self._collection(current)}/{current['id']}"
        try:
            live = self.api.get(path)
            body = {
                "checksum": live["checksum"],
                "targetSpec": merged(live["targetSpec"], self._spec(planned)),
            }
            self.api.put(path, body)
            ready = self.api.wait(path, poll=POLL)
        except (ApiError, TaskFailed, WaitTimeout) as error:
            _failed(ctx, f"updating {self.name}", error)
            return current
        return self._state(ready, planned)

    def delete(self, ctx: DeleteContext, current: dict) -> None:
        path = f"{self._collection(current)}/{current['id']}"
        try:
            self.api.delete(path)
            self.api.wait(path, until="DELETED", poll=POLL)
        except NotFoundError:
            pass
        except ApiError as error:
            if error.status != 405:
                return _failed(ctx, f"deleting {self.name}", error)
            # Some kinds (publicCloud projects) cannot be deleted through the API.
            ctx.diagnostics.add_warning(
                f"{self.name} {current['id']} was only removed from the state", str(error)
            )
        except (TaskFailed, WaitTimeout) as error:
            _failed(ctx, f"deleting {self.name}", error)
        return None

    def import_(self, ctx: ImportContext, id: str) -> dict | None:
        parts = id.split("/")
        if len(parts) != len(self.parents) + 1:
            shape = "/".join([*self.parents, "id"])
            ctx.diagnostics.add_error(f"import id of {self.name} reads {shape}", f"got {id!r}")
            return None
        parents = dict(zip(self.parents, parts))
        try:
            item = self.api.get(f"{self._collection(parents)}/{parts[-1]}")
        except ApiError as error:
            return _failed(ctx, f"importing {self.name}", error)
        return self._state(item, parents)


class CloudProject(AsCode):
    name = "cloud_project"
    collection = "/v2/publicCloud/project"
    fields = {"name": "name", "mode": "mode"}
    required = ("name", "mode")


class CloudProjectRancher(AsCode):
    name = "cloud_project_rancher"
    collection = "/v2/publicCloud/project/{project_id}/rancher"
    parents = ("project_id",)
    fields = {"name": "name", "plan": "plan", "version": "version"}
    required = ("name", "plan")


_LIST = types.List(types.String())


class IamPolicy(_Base):
    """An IAM policy: a plain object (POST creates, PUT replaces, DELETE removes; no tasks)."""

    name = "iam_policy"
    _lists = {"allow": "allow", "except": "except", "deny": "deny"}

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=1,
            attributes=[
                schema.Attribute("name", types.String(), required=True),
                schema.Attribute("description", types.String(), optional=True, computed=True),
                schema.Attribute("identities", _LIST, required=True, description="Identity URNs"),
                schema.Attribute("resources", _LIST, required=True, description="Resource URNs"),
                schema.Attribute("allow", _LIST, optional=True, description="Allowed actions"),
                schema.Attribute("except", _LIST, optional=True, description="Actions removed from allow"),
                schema.Attribute("deny", _LIST, optional=True, description="Denied actions (deny wins)"),
                schema.Attribute(
                    "permissions_groups", _LIST, optional=True, description="Permissions group URNs"
                ),
                schema.Attribute("expired_at", types.String(), optional=True),
                schema.Attribute("id", types.String(), computed=True),
                schema.Attribute("owner", types.String(), computed=True),
            ],
        )

    @staticmethod
    def _body(state: dict) -> dict:
        permissions = {
            k: [{"action": a} for a in state[k]] for k in ("allow", "except", "deny") if _given(state.get(k))
        }
        body = {
            "name": state["name"],
            "description": state["description"] if _given(state.get("description")) else "",
            "identities": list(state["identities"]),
            "resources": [{"urn": urn} for urn in state["resources"]],
            "permissions": permissions,
        }
        if _given(state.get("permissions_groups")):
            body["permissionsGroups"] = [{"urn": urn} for urn in state["permissions_groups"]]
        if _given(state.get("expired_at")):
            body["expiredAt"] = state["expired_at"]
        return body

    @staticmethod
    def _state(item: dict, prior: dict) -> dict:
        permissions = item.get("permissions") or {}

        def actions(key: str):
            found = [p["action"] for p in permissions.get(key) or []]
            return found or (None if prior.get(key) in (None, Unknown) else [])

        groups = [g["urn"] for g in item.get("permissionsGroups") or []]
        return {
            "name": item["name"],
            "description": item.get("description") or "",
            "identities": item.get("identities") or [],
            "resources": [r["urn"] for r in item.get("resources") or []],
            "allow": actions("allow"),
            "except": actions("except"),
            "deny": actions("deny"),
            "permissions_groups": groups
            or (None if prior.get("permissions_groups") in (None, Unknown) else []),
            "expired_at": item.get("expiredAt"),
            "id": item["id"],
            "owner": item.get("owner"),
        }

    def create(self, ctx: CreateContext, planned: dict) -> dict | None:
        try:
            return self._state(self.api.post("/v2/iam/policy", self._body(planned)), planned)
        except ApiError as error:
            return _failed(ctx, "creating iam_policy", error)

    def read(self, ctx: ReadContext, current: dict) -> dict | None:
        try:
            return self._state(self.api.get(f"/v2/iam/policy/{current['id']}"), current)
        except NotFoundError:
            return None
        except ApiError as error:
            _failed(ctx, "reading iam_policy", error)
            return current

    def update(self, ctx: UpdateContext, current: dict, planned: dict) -> dict | None:
        path = f"/v2/iam/policy/{current['id']}"
        try:
            answer = self.api.put(path, self._body(planned)) or self.api.get(path)
        except ApiError as error:
            _failed(ctx, "updating iam_policy", error)
            return current
        return self._state(answer, planned)

    def delete(self, ctx: DeleteContext, current: dict) -> None:
        try:
            self.api.delete(f"/v2/iam/policy/{current['id']}")
        except NotFoundError:
            pass
        except ApiError as error:
            _failed(ctx, "deleting iam_policy", error)

    def import_(self, ctx: ImportContext, id: str) -> dict | None:
        try:
            return self._state(self.api.get(f"/v2/iam/policy/{id}"), {})
        except ApiError as error:
            return _failed(ctx, "importing iam_policy", error)


def _json(value: Any) -> str:
    """JSON as Terraform's jsonencode writes it (keys sorted, no spaces), so that a spec read
    back equals the configured string."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class AnyResource(AsCode):
    """Any as-code resource: `collection` is its list's path (`/v2/notebooks/notebook`, parents'
    ids filled in); its target spec is either `spec`, typed as HCL writes it (`spec = { name =
    "lab", storage = 20 }`), or `target_spec` as JSON (`jsonencode({...})`), exactly one of the
    two. The server checks it against the kind's schema (its answer's error is the diagnostic).
    Only the keys the configuration gives are compared, so what the server fills in is no drift;
    `current_state` is what the server reports, as JSON. Import with the resource's path (the
    spec is then read back as `target_spec`)."""

    name = "resource"
    fields: ClassVar[dict[str, str]] = {}

    @classmethod
    def get_schema(cls) -> schema.Schema:
        computed = ("id", "urn", "checksum", "resource_status", "current_state")
        return schema.Schema(
            version=1,
            attributes=[
                schema.Attribute(
                    "collection",
                    types.String(),
                    required=True,
                    requires_replace=True,
                    description="The list's path, e.g. /v2/publicCloud/project/{id}/rancher",
                ),
                schema.Attribute(
                    "spec", Dynamic(), optional=True, description="The target spec, as an HCL object"
                ),
                schema.Attribute(
                    "target_spec", types.String(), optional=True, description="The target spec, as JSON"
                ),
                *(schema.Attribute(name, types.String(), computed=True) for name in computed),
            ],
        )

    def validate(self, diags, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        given = [name for name in ("spec", "target_spec") if config.get(name) is not None]
        if len(given) != 1:
            diags.add_error(
                f"{type_name}: give exactly one of spec and target_spec", f"got {given or 'none'}"
            )
            return
        spec = config.get("spec")
        if spec is not None and spec is not Unknown:
            kind = Dynamic().decode(spec).type
            if not (isinstance(kind, list) and kind[0] in ("object", "map")):
                diags.add_error(f"{type_name}: spec is an object", f"got a value of type {json.dumps(kind)}")

    def _collection(self, state: dict) -> str:
        return state["collection"].rstrip("/")

    def _spec(self, state: dict) -> dict:
        if isinstance(state.get("spec"), Typed):
            return state["spec"].value
        return json.loads(state["target_spec"]) if _given(state.get("target_spec")) else {}

    def _state(self, item: dict, prior: dict) -> dict:
        live = item.get("targetSpec") or {}
        declared = (
            self._spec(prior) if _given(prior.get("spec")) or _given(prior.get("target_spec")) else live
        )
        read = {key: live.get(key) for key in declared}
        state = {
            "collection": prior["collection"],
            "spec": None,
            "target_spec": None,
            "current_state": _json(item.get("currentState") or {}),
            "id": item["id"],
            "urn": (item.get("iam") or {}).get("urn"),
            "checksum": item.get("checksum"),
            "resource_status": item.get("resourceStatus"),
        }
        if isinstance(prior.get("spec"), Typed):
            # Unchanged, it keeps the configuration's type; drifted, it takes its literal's.
            state["spec"] = prior["spec"] if read == prior["spec"].value else Typed(type_of(read), read)
        else:
            state["target_spec"] = _json(read)
        return state

    def plan(self, ctx: PlanContext, current: dict | None, planned: dict) -> dict:
        if _given(planned.get("target_spec")):
            try:
                planned["target_spec"] = _json(json.loads(planned["target_spec"]))
            except ValueError as error:
                ctx.diagnostics.add_error("target_spec is not JSON", str(error))
                return planned
        if current is not None and any(current.get(k) != planned.get(k) for k in ("spec", "target_spec")):
            planned.update(checksum=Unknown, current_state=Unknown, resource_status=Unknown)
        return planned

    def import_(self, ctx: ImportContext, id: str) -> dict | None:
        collection, _, item_id = id.rstrip("/").rpartition("/")
        if not collection.startswith("/") or not item_id:
            ctx.diagnostics.add_error(f"import id of {self.name} is the resource's path", f"got {id!r}")
            return None
        try:
            item = self.api.get(f"{collection}/{item_id}")
        except ApiError as error:
            return _failed(ctx, f"importing {self.name}", error)
        return self._state(item, {"collection": collection})


RESOURCES = [AnyResource, CloudProject, CloudProjectRancher, IamPolicy]
