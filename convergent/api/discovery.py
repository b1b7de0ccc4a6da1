"""`GET /v2/` and `GET /1.0/`: the index of sections of each branch, in the shape OVHcloud's
console and clients read."""

from __future__ import annotations

from starlette.requests import Request

from ..model.section import Section
from .responses import json_response
from .table import Table

__all__ = ["add_discovery"]


def _index(sections: tuple[Section, ...], base_path: str):
    apis = [
        {"path": f"/{s.name}", "schema": "{path}.{format}", "format": ["json"], "description": s.description}
        for s in sections
    ]

    async def index(request: Request, params: dict[str, str]):
        return json_response({"apis": apis, "basePath": f"{request.url.scheme}://{request.url.netloc}{base_path}"})

    return index


def add_discovery(table: Table, sections: tuple[Section, ...]) -> None:
    v2 = _index(tuple(s for s in sections if s.branch == "v2"), "/v2")
    v1 = _index(tuple(s for s in sections if s.branch == "v1"), "/1.0")
    table.add("GET", "/v2", v2)
    table.add("GET", "/1.0", v1)
    table.add("GET", "/v1", v1)
