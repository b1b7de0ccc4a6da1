"""`GET /v2/` and `GET /1.0/`: the index of sections of each branch, in the shape OVHcloud's
console and clients read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..model.section import Section
from .responses import json_response

__all__ = ["discovery_routes"]


def _index(sections: tuple[Section, ...], base_path: str):
    apis = [
        {"path": f"/{s.name}", "schema": "{path}.{format}", "format": ["json"], "description": s.description}
        for s in sections
    ]

    async def index(request: Request):
        return json_response({"apis": apis, "basePath": f"{request.url.scheme}://{request.url.netloc}{base_path}"})

    return index


def discovery_routes(sections: tuple[Section, ...]) -> list[Route]:
    v2 = _index(tuple(s for s in sections if s.branch == "v2"), "/v2")
    v1 = _index(tuple(s for s in sections if s.branch == "v1"), "/1.0")
    return [
        Route("/v2/", v2, methods=["GET"]),
        Route("/v2", v2, methods=["GET"]),
        Route("/1.0/", v1, methods=["GET"]),
        Route("/v1/", v1, methods=["GET"]),
    ]
