"""Public discovery: `GET /v2/` and `GET /1.0/` index the sections of each branch, in the shape
OVHcloud's console and clients read; for each `/v2` section, `<section>.json` (console format)
and `<section>.openapi.json` (OpenAPI 3.1) describe it in one schemas major (`?version=M.m`,
the section's default otherwise), and `<section>.changelog.json` lists its versions, their
status and their changes. `/1.0/<section>.json` and `.openapi.json` describe the v1 sections,
which have no schemas versions."""

from __future__ import annotations

from starlette.requests import Request

from ..errors import ApiError
from ..model.section import Section
from ..model.versions import parse_version
from .openapi import console_schema, openapi
from .responses import json_response
from .table import Table
from .versions import AnswerHeaders

__all__ = ["add_discovery"]


def _index(sections: tuple[Section, ...], base_path: str):
    apis = [
        {
            "path": f"/{s.name}",
            "schema": "{path}.{format}",
            "format": ["json", "openapi.json"],
            "description": s.description,
        }
        for s in sections
    ]

    async def index(request: Request, params: dict[str, str]):
        return json_response(
            {"apis": apis, "basePath": f"{request.url.scheme}://{request.url.netloc}{base_path}"}
        )

    return index


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _documents(section: Section, answer_headers: AnswerHeaders):
    def headers(major):
        return answer_headers.of(section, major) if section.branch == "v2" else None

    def major_of(request: Request):
        raw = request.query_params.get("version")
        if not raw:
            return section.major(section.default_major)
        try:
            number, _ = parse_version(raw)
        except ValueError:
            raise ApiError.invalid_parameter("version", f"{raw!r} is not a version like 1.0") from None
        return section.served(number, answer_headers.clock.today())

    async def schema(request: Request, params: dict[str, str]):
        major = major_of(request)
        return json_response(console_schema(section, major, _base(request)), headers=headers(major))

    async def document(request: Request, params: dict[str, str]):
        major = major_of(request)
        return json_response(openapi(section, major, _base(request)), headers=headers(major))

    async def changelog(request: Request, params: dict[str, str]):
        return json_response(
            {
                "section": section.name,
                "defaultMajor": section.default_major,
                "majors": section.offered(answer_headers.clock.today()),
                "versions": [
                    {
                        "version": v.version,
                        "released": v.released.isoformat(),
                        "summary": v.summary,
                        "changes": [
                            {
                                "route": c.route,
                                "field": c.field,
                                "description": c.description,
                                "breaking": c.breaking,
                            }
                            for c in v.changes
                        ],
                    }
                    for v in section.versions
                ],
            }
        )

    return schema, document, changelog


def add_discovery(table: Table, sections: tuple[Section, ...], answer_headers: AnswerHeaders) -> None:
    v2_sections = tuple(s for s in sections if s.branch == "v2")
    v2 = _index(v2_sections, "/v2")
    v1 = _index(tuple(s for s in sections if s.branch == "v1"), "/1.0")
    table.add("GET", "/v2", v2)
    table.add("GET", "/1.0", v1)
    table.add("GET", "/v1", v1)
    for section in v2_sections:
        schema, document, changelog = _documents(section, answer_headers)
        table.add("GET", f"/v2/{section.name}.json", schema)
        table.add("GET", f"/v2/{section.name}.openapi.json", document)
        table.add("GET", f"/v2/{section.name}.changelog.json", changelog)
    for section in sections:
        if section.branch == "v1":
            schema, document, _ = _documents(section, answer_headers)
            table.add("GET", f"/1.0/{section.name}.json", schema)
            table.add("GET", f"/1.0/{section.name}.openapi.json", document)
