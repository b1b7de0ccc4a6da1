"""Request bodies bounded while they are read, before anything else looks at them.

A declared `Content-Length` above the limit is refused before a byte of the body is read;
a chunked body (or one longer than it said) is counted as it arrives and refused as soon as
it passes the limit. Either way the answer is 413 `Client::PayloadTooLarge` and the
connection is closed, so a large upload never costs more memory than the limit."""

from __future__ import annotations

from ..errors import ApiError
from ..model.numbers import decimal

__all__ = ["bounded_receive", "DEFAULT_MAX_BODY"]

DEFAULT_MAX_BODY = 1 << 20


def bounded_receive(scope, headers: dict[bytes, bytes], receive, limit: int):
    """`receive`, raising 413 once the body passes `limit` bytes (or at once, when its declared
    length does). A request without a body (no Content-Length, no Transfer-Encoding) keeps
    `receive` as it is."""
    declared = headers.get(b"content-length")
    if declared is not None:
        length = decimal(declared)
        if length is None:
            raise ApiError.bad_request(
                "InvalidHeader", "Content-Length must be a number of bytes", header="Content-Length"
            )
        if length > limit:
            raise ApiError.payload_too_large(limit)
    elif b"transfer-encoding" not in headers:
        return receive
    received = 0

    async def bounded():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise ApiError.payload_too_large(limit)
        return message

    return bounded
