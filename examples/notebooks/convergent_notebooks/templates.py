"""The plain object: notebook templates, an account's starting points for new notebooks. A
write takes effect at once (no task) through convergent's registry of plain objects, which
gives every kind versions (ETag, If-Match, 412 on a stale one), events and paging."""

from __future__ import annotations

import msgspec

from convergent.framework import ApiError, Item, ObjectKind, ObjectStrategy, Operation, iso

from .notebook import Image

__all__ = ["TEMPLATES", "OPERATIONS"]


class TemplateInput(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    image: Image
    description: str = ""


class TemplateRules(ObjectStrategy):
    def validate(self, body: dict) -> None:
        if not body["name"].strip():
            raise ApiError.invalid_field("name", "a name that is not blank")


_ACTIONS = {
    verb: (f"account:apiovh:notebooks/template/{verb}",) for verb in ("get", "create", "edit", "delete")
}

TEMPLATES = ObjectKind(
    key="notebooks.template",
    label="Template",
    strategy=TemplateRules(),
    actions=_ACTIONS,
    event="NOTEBOOK_TEMPLATE",
)


def _view(item: Item) -> dict:
    return {**item.body, "id": item.id, "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at)}


async def list_templates(call):
    return await call.paginate(call.objects(TEMPLATES).page, _view)


async def create_template(call):
    body = msgspec.to_builtins(await call.body(TemplateInput))
    item = await call.objects(TEMPLATES).create(body)
    return call.tagged(_view(item), item)


async def get_template(call):
    item = await call.objects(TEMPLATES).get(call.params["templateId"])
    return call.tagged(_view(item), item)


async def edit_template(call):
    body = msgspec.to_builtins(await call.body(TemplateInput))

    def replace(item: Item) -> None:
        item.body = body

    item = await call.objects(TEMPLATES).update(call.params["templateId"], replace)
    return call.tagged(_view(item), item)


async def delete_template(call):
    await call.objects(TEMPLATES).delete(call.params["templateId"])


_ID = {"templateId": lambda value: 0 < len(value) <= 64}

OPERATIONS = (
    Operation("GET", "/notebooks/template", list_templates, _ACTIONS["get"], paged=True),
    Operation("POST", "/notebooks/template", create_template, _ACTIONS["create"]),
    Operation("GET", "/notebooks/template/{templateId}", get_template, _ACTIONS["get"], _ID),
    Operation("PUT", "/notebooks/template/{templateId}", edit_template, _ACTIONS["edit"], _ID),
    Operation("DELETE", "/notebooks/template/{templateId}", delete_template, _ACTIONS["delete"], _ID),
)
