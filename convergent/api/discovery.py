"""`GET /v2/`: the index of sections, in the shape OVHcloud's console and clients read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..model.section import Section
from .responses import json_response

__all__ = ["discovery_routes"]


def discovery_routes(sections: tuple[Section, ...]) -> list[Route]:
    apis = [
        {"path": f"/{s.name}", "schema": "{path}.{format}", "format": ["json"], "description": s.description}
        for s in sections
    ]

    async def index(request: Request):
        base = f"{request.url.scheme}://{request.url.netloc}/v2"
        return json_response({"apis": apis, "basePath": base})

    return [Route("/v2/", index, methods=["GET"]), Route("/v2", index, methods=["GET"])]
