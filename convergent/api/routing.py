"""Operations become Starlette routes: one generic endpoint wraps every handler.

One Starlette route receives every request and the table (table.py) finds its endpoint.
On every call, in this order: authenticate (unless the operation is public), check the
consumer key's access rules, check path parameters, authorise the operation's IAM actions on
the resource the path names, then run the handler. The table is built and checked once, when
the app is made: two operations on the same method and path are refused then.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound

from ..auth.authenticate import ANONYMOUS, granted, header_map
from ..auth.authorize import account_resource_urn
from ..errors import ApiError
from ..model.kind import Kind
from ..model.operation import Operation
from ..model.section import Section
from ..runtime import Runtime
from .call import Call
from .responses import json_response, set_headers
from .standard import standard_operations
from .table import Table
from .versions import AnswerHeaders, pinned

__all__ = ["route_table", "Dispatcher", "operations_of", "BRANCH_PREFIXES"]

log = logging.getLogger("convergent.api")

# Where each branch is served. v1 routes answer under the root, /1.0 and its alias /v1.
BRANCH_PREFIXES = {"v2": ("/v2",), "v1": ("", "/1.0", "/v1")}


def operations_of(section: Section) -> list[Operation]:
    ops: list[Operation] = []
    for kind in section.kinds:
        ops.extend(standard_operations(kind))
    ops.extend(section.operations)
    return ops


def _target_kind(section: Section, op: Operation) -> Kind | None:
    """The kind whose resource URN the operation's actions are checked on (None: the account)."""
    owners = {kind.owner() for kind in section.kinds if kind.owner().iam_type}
    named = [k for k in owners if f"{{{k.id_param}}}" in op.path]
    return max(named, key=lambda k: len(k.item), default=None)


def _endpoint(
    op: Operation,
    section: Section,
    target: Kind | None,
    ctx: Runtime,
    prefix: str,
    answer_headers: AnswerHeaders,
):
    checks = tuple(op.params.items())
    handler = op.handler
    actions = op.actions
    deprecation = ((b"deprecation", b"true"),) if op.deprecated else None
    versioned = section.branch == "v2"
    cut = 0 if versioned else len(prefix)
    route = f"{op.method} {op.path}"
    operation = f"{op.method} {'/v2' if versioned else '/1.0'}{op.path}"  # as fault rules name it
    clock, defaults, usage = ctx.clock, ctx.defaults, ctx.usage
    faults = ctx.faults

    async def endpoint(request: Request, params: dict[str, str]) -> Response:
        if op.public:
            caller = ANONYMOUS
        else:
            caller = await ctx.authenticator.caller(request)
            request.scope["convergent.account"] = caller.account
            if not granted(caller, request.scope["method"], request.scope["path"][cut:]):
                raise ApiError(
                    403,
                    "Client::Forbidden",
                    "This call has not been granted",
                    {"unauthorizedActionsByAuthentication": ",".join(actions)},
                    "NOT_GRANTED_CALL",
                )
        request.scope["path_params"] = params
        for name, valid in checks:
            if not valid(params[name]):
                raise ApiError.invalid_parameter(name, f"{params[name]!r} is not a valid {name}")
        major = None
        if versioned and not op.public:
            wanted = header_map(request.scope).get(b"x-schemas-version")
            today = clock.today()
            number = pinned(section, wanted and wanted.decode("latin-1"), today)
            default = 0 if number else defaults.of(caller.account, caller.schemas, section)
            major = section.serving(number, default, today)
        call = Call(request, params, caller, ctx, major)
        if not op.public and not caller.owner and not op.iam_per_item:
            await _authorize(call, target, actions)
        injected = await faults.take_operation(operation, None if op.public else ctx.authenticator.epoch)
        if injected is not None:
            raise injected
        # A JSON-able value, bytes of encoded JSON, or a Response; an unexpected exception
        # becomes a logged 500 in the Guard.
        result = await handler(call)
        response = result if isinstance(result, Response) else json_response(result)
        if deprecation:
            set_headers(response, deprecation)
        if major is not None:
            set_headers(response, answer_headers.raw_of(section, major))
            usage.record(caller.account, section.name, major.number, route, call.sent)
        return response

    return endpoint


async def _authorize(call: Call, target: Kind | None, actions: tuple[str, ...]) -> None:
    if target is None:
        await call.ctx.authorizer.require(call.caller, actions, account_resource_urn(call.account))
        return
    resource = await call.resource(target)  # 404 unless the caller's account has it
    await call.ctx.authorizer.require(call.caller, actions, call.urn_of(target, resource), resource.tags)


def route_table(
    sections: tuple[Section, ...], ctx: Runtime, table: Table, answer_headers: AnswerHeaders
) -> Table:
    """Every operation of every section, on each of its branch's prefixes."""
    for section in sections:
        canonical = "/v2" if section.branch == "v2" else "/1.0"
        ctx.faults.operations.update(f"{op.method} {canonical}{op.path}" for op in operations_of(section))
        for op in operations_of(section):
            target = _target_kind(section, op)
            for prefix in BRANCH_PREFIXES[section.branch]:
                endpoint = _endpoint(op, section, target, ctx, prefix, answer_headers)
                table.add(op.method, prefix + op.path, endpoint)
    return table


class Dispatcher(BaseRoute):
    """The one Starlette route: it takes every HTTP request and hands it to the table.

    It is a bare route rather than a Starlette `Route` with a catch-all path: the table does the
    matching, so nothing is matched twice."""

    def __init__(self, table: Table):
        self.table = table

    def matches(self, scope):
        return (Match.FULL, {}) if scope["type"] == "http" else (Match.NONE, {})

    def url_path_for(self, name, /, **params):
        raise NoMatchFound(name, params)

    async def handle(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        match = self.table.match((scope.get("raw_path") or scope["path"].encode()).decode("latin-1"))
        method = scope["method"]
        if match is not None:
            scope["convergent.route"] = match.template  # for metrics and logs (api/observe.py)
        if match is None:
            raise ApiError.route_not_found(method, scope["path"])
        endpoint = match.methods.get("GET" if method == "HEAD" else method)
        if endpoint is None:
            allowed = ", ".join(sorted(match.methods))
            error = ApiError.method_not_allowed(method, scope["path"])
            raise ApiError(error.status, error.cls, f"{error.message} (allowed: {allowed})")
        response = await endpoint(request, match.params)
        await response(scope, receive, send)
