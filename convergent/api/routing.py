"""Operations become Starlette routes: one generic endpoint wraps every handler.

The table is built and checked once, when the app is made: two operations on the same method
and path are refused then, not discovered on a request.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ApiError
from ..model.operation import Operation
from ..model.section import Section
from .call import Call
from .context import Context
from .identity import identify
from .responses import json_response
from .standard import standard_operations

__all__ = ["section_routes", "operations_of"]

log = logging.getLogger("convergent.api")


def operations_of(section: Section) -> list[Operation]:
    ops: list[Operation] = []
    for kind in section.kinds:
        ops.extend(standard_operations(kind))
    ops.extend(section.operations)
    return ops


def _endpoint(op: Operation, ctx: Context):
    checks = tuple(op.params.items())
    handler = op.handler
    deprecation = {"Deprecation": "true"} if op.deprecated else None

    async def endpoint(request: Request) -> Response:
        params = request.path_params
        for name, valid in checks:
            if not valid(params[name]):
                raise ApiError.invalid_parameter(name, f"{params[name]!r} is not a valid {name}")
        try:
            result = await handler(Call(request, params, identify(request), ctx))
        except ApiError:
            raise
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            raise ApiError.internal() from None
        if isinstance(result, Response):
            if deprecation:
                result.headers.update(deprecation)
            return result
        return json_response(result, headers=deprecation)

    return endpoint


def section_routes(branch: str, sections: tuple[Section, ...], ctx: Context) -> list[Route]:
    by_path: dict[str, dict[str, Operation]] = {}
    for section in sections:
        for op in operations_of(section):
            methods = by_path.setdefault(op.path, {})
            if op.method in methods:
                raise ValueError(f"two operations for {op.method} {branch}{op.path}")
            methods[op.method] = op
    routes = []
    for path, methods in by_path.items():
        for method, op in methods.items():
            routes.append(Route(branch + path, _endpoint(op, ctx), methods=[method]))
    return routes
