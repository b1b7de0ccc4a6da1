"""JSON answers and the error answer, the one shape every failure leaves in."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from ..errors import ApiError

__all__ = ["json_response", "error_response", "encode"]

_encode = msgspec.json.Encoder().encode
encode = _encode


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body` is a JSON-able value, or bytes already encoded as JSON."""
    content = body if isinstance(body, bytes) else _encode(body)
    return Response(content, status, headers, media_type="application/json")


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)
