"""One API call as handlers see it: the caller, path parameters, body, resources, pages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..auth.authenticate import Caller
from ..engine.objects import Collection
from ..errors import ApiError
from ..model.envelope import urn
from ..model.kind import Kind
from ..model.objects import ObjectKind, etag
from ..model.records import Item, Resource
from ..model.versions import IDENTITY, Codec, Major
from ..runtime import Runtime
from ..store import Page
from .pagination import page_size
from .responses import json_response

__all__ = ["Call"]

T = TypeVar("T")


def _validation_error(error: msgspec.ValidationError, type_=None) -> ApiError:
    """Name the field a msgspec validation error is about, as a dotted path; an enum's error
    lists the values accepted."""
    text = str(error)
    reason, _, where = text.partition(" - at `$")
    field = where.rstrip("`").lstrip(".")
    for prefix in ("Object missing required field `", "Object contains unknown field `"):
        if reason.startswith(prefix):
            name = reason[len(prefix) :].split("`", 1)[0]
            field = f"{field}.{name}" if field else name
    if reason.startswith("Invalid enum value") and type_ is not None:
        accepted = _accepted(msgspec.inspect.type_info(type_), field)
        if accepted:
            reason = f"{reason}; accepted: {', '.join(accepted)}"
            error = ApiError.invalid_field(field, reason)
            error.details["accepted"] = ", ".join(accepted)
            return error
    return ApiError.invalid_field(field, reason)


def _accepted(info, path: str) -> list[str]:
    """The values an enum field at `path` (`targetSpec.rules[0].mode`) accepts; [] if unknown."""
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        info = _concrete(info)
        if step.startswith("["):
            info = getattr(info, "item_type", None)
        elif isinstance(info, msgspec.inspect.StructType):
            info = next((f.type for f in info.fields if f.encode_name == step), None)
        else:
            return []
        if info is None:
            return []
    info = _concrete(info)
    if isinstance(info, msgspec.inspect.LiteralType):
        return [str(v) for v in info.values]
    if isinstance(info, msgspec.inspect.EnumType):
        return [str(m.value) for m in info.cls]
    return []


def _concrete(info):
    """The one non-None member of an optional type."""
    if isinstance(info, msgspec.inspect.UnionType):
        members = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(members) == 1:
            return members[0]
    return info


class Call:
    """`major` is the schemas major serving a `/v2` call (None on the v1 branch); `sent` is the
    body as the caller sent it, once a handler decoded it (usage counters read it)."""

    __slots__ = ("request", "params", "caller", "ctx", "major", "sent")

    def __init__(
        self,
        request: Request,
        params: dict[str, str],
        caller: Caller,
        ctx: Runtime,
        major: Major | None = None,
    ):
        self.request = request
        self.params = params
        self.caller = caller
        self.ctx = ctx
        self.major = major
        self.sent = None

    def codec(self, kind: Kind) -> Codec:
        return self.major.codec(kind.name) if self.major is not None else IDENTITY

    @property
    def account(self) -> str:
        return self.caller.account

    async def body(self, type: type[T]) -> T:
        """The JSON body decoded as `type`; 400 naming the field when it does not fit."""
        raw = await self.request.body()  # bounded while read, in the Guard
        try:
            decoded = msgspec.json.decode(raw, type=type)
        except msgspec.ValidationError as error:
            raise _validation_error(error, type) from None
        except msgspec.DecodeError:
            raise ApiError.invalid_json() from None
        self.sent = msgspec.to_builtins(decoded)
        return decoded

    def objects(self, kind: ObjectKind, parent: str | None = None) -> Collection:
        """The caller's account's objects of `kind` (those of the object `parent`, if given);
        writes through it carry the request's If-Match."""
        return Collection(self.ctx.objects, kind, self.account, self.request.headers.get("if-match"), parent)

    @staticmethod
    def tagged(answer, item: Item) -> Response:
        """An answer about one object, with its version as the ETag header."""
        return json_response(answer, headers={"ETag": etag(item)})

    def path_of(self, kind: Kind) -> str:
        return "/v2" + kind.item.format_map(self.params)

    def collection_of(self, kind: Kind) -> str:
        return "/v2" + kind.collection.format_map(self.params)

    async def resource(self, kind: Kind) -> Resource:
        """The resource of `kind` named by the path, if the caller's account has it."""
        id = self.params[kind.id_param]
        resource = await self.ctx.store.get_resource(kind.key, id)
        if resource is None or resource.account != self.account or resource.path != self.path_of(kind):
            raise ApiError.not_found(kind.not_found_class, f"{kind.label} '{id}' does not exist")
        return resource

    @staticmethod
    def urn_of(kind: Kind, resource: Resource) -> str:
        return urn(kind.owner().iam_type, resource.id)

    async def visible(
        self, kind: Kind, resources: list[Resource], actions: tuple[str, ...]
    ) -> list[Resource]:
        """Those of `resources` on which the caller may do `actions` (all of them, for the owner)."""
        if self.caller.owner:
            return resources
        require = self.ctx.authorizer.decide
        return [
            r
            for r in resources
            if (await require(self.caller, actions, self.urn_of(kind, r), r.tags)).allowed
        ]

    async def parent(self, kind: Kind) -> Resource | None:
        return None if kind.parent is None else await self.resource(kind.parent)

    def _listing(self) -> str:
        """What a cursor belongs to: the account, the list's path and its filters."""
        return f"{self.account}\n{self.request.url.path}\n{self.request.url.query}"

    async def paginate(
        self,
        fetch: Callable[[int | None, int], Awaitable[Page]],
        render: Callable[[Any], Any],
        keep: Callable[[Page], Awaitable[list]] | None = None,
    ) -> Response:
        """A page of a stored list: `fetch(position, size)` returns records carrying `seq`;
        `keep` filters what the caller may see (the cursor still moves past what it hides)."""
        headers = self.request.headers
        size = page_size(headers.get("x-pagination-size"))
        listing = self._listing()
        token = headers.get("x-pagination-cursor")
        position = self.ctx.cursors.read(listing, token) if token else None
        page = await fetch(position, size)
        extra = {}
        if page.more and page:
            extra["X-Pagination-Cursor-Next"] = self.ctx.cursors.sign(listing, page[-1].seq)
        shown = await keep(page) if keep else page
        return json_response([render(item) for item in shown], headers=extra)

    async def paginate_items(self, items: Sequence) -> Response:
        """A page of a computed list (references, capabilities): positions count items served."""

        async def fetch(position: int | None, size: int) -> Page:
            start = position or 0
            page = Page(_Numbered(start + i + 1, item) for i, item in enumerate(items[start : start + size]))
            page.more = start + size < len(items)
            return page

        return await self.paginate(fetch, lambda numbered: numbered.item)


class _Numbered:
    __slots__ = ("seq", "item")

    def __init__(self, seq: int, item):
        self.seq = seq
        self.item = item
