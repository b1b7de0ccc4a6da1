"""The yardstick for bench/run.py: a bare Starlette app doing the least the real routes must do.

It serves the same URL shapes as convergent's rancher routes, so one wrk script drives both:

- GET  /v2/publicCloud/project/{projectId}/rancher/{rancherId}  one object
- GET  /v2/publicCloud/project/{projectId}/rancher               a list of 50 such objects
- PUT  /v2/publicCloud/project/{projectId}/rancher/{rancherId}  reads and decodes the JSON body,
                                                                 answers one object

The object is a real rancher envelope captured from the convergent server under test (the file
named by BENCH_SAMPLE), so both servers send the same number of bytes. It is encoded on every
request with msgspec, the encoder convergent uses, so the difference measured is the framework
around the work, not the choice of JSON library. No middleware, no database.

Run by bench/run.py as:
    python -m uvicorn baseline_app:app --app-dir bench --host 127.0.0.1 --port P \
        --workers 1 --no-access-log --log-level warning
"""

from __future__ import annotations

import os

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode

_FALLBACK = {
    "checksum": "9faad95a9464e6d644dfc6d7aad92dc8",
    "createdAt": "2026-11-29T07:43:14.969Z",
    "currentState": {"name": "r", "plan": "STANDARD", "version": "2.10.3"},
    "currentTasks": [],
    "id": "d85c0ed7-f98f-441a-8ade-4677cc68d3a9",
    "resourceStatus": "READY",
    "targetSpec": {"ipRestrictions": [], "name": "r", "plan": "STANDARD", "version": "2.10.3"},
    "updatedAt": "2026-11-29T07:43:14.971Z",
}


def _sample() -> dict:
    path = os.environ.get("BENCH_SAMPLE")
    if not path:
        return _FALLBACK
    with open(path, "rb") as f:
        return _decode(f.read())


SAMPLE = _sample()
PAGE = [SAMPLE] * 50


def _json(body) -> Response:
    return Response(_encode(body), media_type="application/json")


async def one(request: Request) -> Response:
    if request.method == "PUT":
        _decode(await request.body())
    return _json(SAMPLE)


async def many(request: Request) -> Response:
    return _json(PAGE)


app = Starlette(
    routes=[
        Route("/v2/publicCloud/project/{projectId}/rancher/{rancherId}", one, methods=["GET", "PUT"]),
        Route("/v2/publicCloud/project/{projectId}/rancher", many, methods=["GET"]),
    ]
)
