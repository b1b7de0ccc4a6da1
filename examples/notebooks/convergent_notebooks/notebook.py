"""The as-code kind: a notebook server. Its target spec says what the caller wants (a name, an
image, storage); the reconciler says how the server gets there, one step at a time."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import msgspec

from convergent.framework import (
    AccountView,
    Action,
    ApiError,
    Kind,
    Plan,
    Resource,
    Step,
    StepFailed,
    Strategy,
    iso,
    standard_actions,
)

__all__ = ["NOTEBOOK", "IMAGES", "Image", "Storage", "NotebookSpec"]

Image = Literal["python-3.12", "r-4.4", "julia-1.11"]
IMAGES = Image.__args__
Storage = Annotated[int, msgspec.Meta(ge=10, le=500, description="GB")]


class NotebookSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The hub form, stored once and served by every major (1.x is exactly this). What a type
    says (an image on offer, 10 to 500 GB) is checked when the body is decoded, and is in the
    OpenAPI document; what it cannot say is the strategy's."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    image: Image
    storage: Storage = 10
    idleShutdownMinutes: int | None = None


NAME_TAKEN = (409, "Client::Conflict::NotebookNameTaken")


class Rules(Strategy):
    """Defaults and checks a JSON schema cannot say; called inside the write transaction."""

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        await _name_free(view, spec["name"], None)
        return spec

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        await _name_free(view, spec["name"], resource.id)

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        if spec.get("storage", 10) < resource.target_spec.get("storage", 10):
            raise ApiError.invalid_field("targetSpec.storage", "storage grows, it never shrinks")
        return spec

    def display_name(self, resource: Resource) -> str | None:
        return resource.target_spec.get("name")


async def _name_free(view: AccountView, name: str, own_id: str | None) -> None:
    """A notebook's name is unique in its account. The view reads inside the write transaction:
    two API processes creating the same name at once cannot both pass (the store serialises
    writes, SQLite by its one writer, PostgreSQL by the account's lock)."""
    for other in await view.resources(NOTEBOOK):
        if other.id != own_id and other.target_spec.get("name") == name:
            raise ApiError.conflict("NotebookNameTaken", f"a notebook named '{name}' already exists")


class Reconciler:
    """`plan` names the steps of a change; `apply` returns the new currentState after one step.
    Pure functions: the engine commits a step's state with its progress, so no step shows twice."""

    def plan(self, action: Action, resource: Resource) -> Plan:
        if action == Action.CREATE:
            steps = (Step("Allocate storage", 20), Step("Pull image", 30), Step("Start kernel", 10))
        elif action == Action.UPDATE:
            steps = (Step("Resize storage", 15), Step("Restart kernel", 10))
        else:
            steps = (Step("Stop kernel", 5), Step("Release storage", 10))
        return Plan(f"NOTEBOOK_{action.upper()}", f"{action} notebook {resource.id}", steps)

    def apply(self, step: str, resource: Resource) -> dict:
        spec, state = resource.target_spec, dict(resource.current_state)
        if step in ("Allocate storage", "Resize storage"):
            state["storage"] = spec.get("storage", 10)
        elif step == "Pull image":
            if spec["name"].startswith("fail-"):
                raise StepFailed(f"image {spec['image']} cannot be pulled for {spec['name']}")
            state["image"] = spec["image"]
        elif step in ("Start kernel", "Restart kernel"):
            digest = hashlib.sha256(resource.id.encode()).hexdigest()[:12]
            state.update(
                name=spec["name"],
                image=spec["image"],
                url=f"https://{digest}.notebooks.example",
                startedAt=iso(resource.updated_at),  # the step's time on the server's clock
            )
        elif step == "Stop kernel":
            state.pop("url", None)
        return state


NOTEBOOK = Kind(
    section="notebooks",
    name="notebook",
    label="Notebook",
    collection="/notebooks/notebook",
    id_param="notebookId",
    spec_create=NotebookSpec,
    spec_update=NotebookSpec,
    reconciler=Reconciler(),
    strategy=Rules(),
    iam_type="notebook",
    actions=standard_actions("notebook"),
    errors={"create": (NAME_TAKEN,), "update": (NAME_TAKEN,)},
)
