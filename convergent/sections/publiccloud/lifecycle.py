"""What the project's infrastructure kinds share: a reconciler whose steps bring the target
into the current state, the rules of names, regions and updates, and references between kinds."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Plan, Step, Strategy, is_uuid, standard_actions
from ...model.records import Resource
from ...model.status import Action, ResourceStatus
from . import regions
from .floatingip import check_location

__all__ = [
    "project_kind",
    "InfraStrategy",
    "CloudLocation",
    "Mirror",
    "check_name",
    "check_region",
    "carry_over",
    "digest",
    "refuse_changes",
    "referenced",
    "users_of",
    "refuse_while_used",
    "location_of",
    "project_of",
]


class CloudLocation(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Where a resource lives: a region, and for some kinds an availability zone."""

    region: str
    availabilityZone: str | None = None


_NAME_MAX = 255


def check_name(name: str | None, field: str = "name") -> None:
    if name is None:
        return
    if not name.strip() or len(name) > _NAME_MAX:
        raise ApiError.bad_request("InvalidName", f"{field} must be 1 to {_NAME_MAX} characters, not blank")


def check_region(location: dict, field: str = "targetSpec.location") -> regions.Region:
    """The catalog's region of a location (400 naming the field for an unknown region or zone)."""
    return check_location(location, field)


def location_of(resource: Resource) -> dict:
    return resource.target_spec.get("location") or {}


def digest(*parts: str) -> bytes:
    """Stable bytes for what a resource is given by the cloud (addresses, VLANs, refs)."""
    return hashlib.sha256("\n".join(parts).encode()).digest()


def carry_over(stored: dict, sent: dict, update_type: type) -> dict:
    """The new target of a PUT: what the update body declares comes from the body (absent means
    unset), the rest (fields only set at creation) from the stored target."""
    declared = {f.encode_name for f in msgspec.structs.fields(update_type)}
    kept = {k: v for k, v in stored.items() if k not in declared}
    return {**kept, **sent}


def refuse_changes(stored: dict, sent: dict, fields: Iterable[str], label: str) -> None:
    """400 naming the first field of `fields` the PUT would change (absent keeps it)."""
    for name in fields:
        if name in sent and sent[name] != stored.get(name):
            raise ApiError.bad_request(
                "ImmutableField", f"{label} field '{name}' cannot be changed after creation", field=name
            )


async def referenced(view: AccountView, kind: Kind, id: str, field: str, project: str) -> Resource:
    """The account's resource of `kind` a target refers to by id; 400 naming the field if the
    project has none (or it is being deleted)."""
    found = await view.resource(kind, id)
    if (
        found is None
        or found.status == ResourceStatus.DELETING
        or not found.path.startswith(_project_prefix(project))
    ):
        raise ApiError.bad_request(
            "InvalidReference", f"{field}: {kind.label} '{id}' does not exist in this project", field=field
        )
    return found


def _project_prefix(project_id: str) -> str:
    return f"/v2/publicCloud/project/{project_id}/"


def project_of(resource: Resource) -> str:
    return resource.path.split("/")[4]


async def users_of(
    view: AccountView, kind: Kind, project: str, uses: Callable[[dict], bool]
) -> list[Resource]:
    """The project's resources of `kind` whose target (or state) `uses` says refer to something."""
    prefix = _project_prefix(project)
    return [
        r
        for r in await view.resources(kind)
        if r.path.startswith(prefix) and (uses(r.target_spec) or uses(r.current_state))
    ]


async def refuse_while_used(view: AccountView, resource: Resource, label: str) -> None:
    """409 naming the first resource that still refers to `resource` (references.py says who may)."""
    from .references import dependents_of  # the table names kinds of every area module

    project = project_of(resource)
    for kind, uses in dependents_of(resource.kind):
        found = [
            r
            for r in await users_of(view, kind, project, lambda spec, uses=uses: uses(spec, resource.id))
            if r.id != resource.id
        ]
        if found:
            raise ApiError.conflict(
                "ResourceInUse",
                f"{label} '{resource.id}' is used by {kind.label} '{found[0].id}'; remove that first",
            )


class InfraStrategy(Strategy):
    """The rules every infrastructure kind shares: deletion refused while something refers to it."""

    label = "Resource"

    def initial_state(self, spec: dict) -> dict:
        """Where the resource is being made is known at once; the rest comes with its steps."""
        return {"location": spec["location"]} if spec.get("location") else {}

    async def admit_delete(self, view: AccountView, resource: Resource) -> None:
        await refuse_while_used(view, resource, self.label)


class Mirror:
    """A reconciler whose named steps bring the target into the current state: `observe(resource)`
    builds the current state the last step shows (from the target and what the cloud assigned,
    kept in the previous state); earlier steps keep the state as it was."""

    def __init__(
        self,
        type_prefix: str,
        noun: str,
        observe: Callable[[Resource], dict],
        create: tuple[Step, ...],
        update: tuple[Step, ...],
        delete: tuple[Step, ...],
    ):
        self.type_prefix = type_prefix
        self.noun = noun
        self.observe = observe
        self.steps = {Action.CREATE: create, Action.UPDATE: update, Action.DELETE: delete}
        self.last = {create[-1].name, update[-1].name}

    def plan(self, action: Action, resource: Resource) -> Plan:
        verb = str(action.value).lower()
        return Plan(
            f"{self.type_prefix}_{str(action.value).upper()}",
            f"Cloud project {project_of(resource)}: {verb} {self.noun} {resource.id}",
            self.steps[action],
        )

    def apply(self, step: str, resource: Resource) -> dict:
        if step in self.last and resource.status != ResourceStatus.DELETING:
            return self.observe(resource)
        return dict(resource.current_state)


def project_kind(
    name, label, collection, id_param, spec, update, reconciler, strategy, parent, actions
) -> Kind:
    """A publicCloud kind under a project: uuid ids, the project's IAM actions under `actions`."""
    return Kind(
        section="publicCloud",
        name=name,
        label=label,
        collection=collection,
        id_param=id_param,
        spec_create=spec,
        spec_update=update,
        reconciler=reconciler,
        strategy=strategy,
        parent=parent,
        id_valid=is_uuid,
        actions=standard_actions("publicCloudProject", actions),
    )
