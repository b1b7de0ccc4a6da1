"""JSON answers and the error answer, the one shape every failure leaves in."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from ..errors import ApiError

__all__ = ["json_response", "error_response", "encode", "JsonResponse", "set_headers"]

_encode = msgspec.json.Encoder().encode
encode = _encode

_JSON = (b"content-type", b"application/json")


class JsonResponse(Response):
    """A Starlette Response of encoded JSON, built without Starlette's header parsing (the
    hottest object of every call): its raw headers are made straight from the given ones."""

    media_type = "application/json"

    def __init__(self, content: bytes, status_code: int = 200, headers: dict[str, str] | None = None):
        self.status_code = status_code
        self.background = None
        self.body = content
        raw = (
            [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            if headers
            else []
        )
        raw.append((b"content-length", str(len(content)).encode()))
        raw.append(_JSON)
        self.raw_headers = raw


def set_headers(response: Response, headers: tuple[tuple[bytes, bytes], ...]) -> None:
    """Set raw `headers` (lower-case names) on `response`, replacing those of the same name,
    as `response.headers.update` does, without building a MutableHeaders."""
    raw = response.raw_headers
    names = {name for name, _ in raw}
    for name, value in headers:
        if name in names:
            raw[:] = [pair for pair in raw if pair[0] != name]
        raw.append((name, value))


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body` is a JSON-able value, or bytes already encoded as JSON."""
    return JsonResponse(body if isinstance(body, bytes) else _encode(body), status, headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)
