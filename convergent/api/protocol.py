"""The HTTP/1.1 protocol `convergent serve` runs: uvicorn's httptools protocol with limits on
what a client may cost before its request is even read.

- The request line and headers may have `max_header` bytes at most: 431 beyond, then closed.
- They must arrive within `header_timeout` seconds of the connection's first byte (or of the
  first byte of the next request on a kept-alive connection): 408, then closed. Slow clients
  cannot hold connections for ever.

The number of connections served at once is uvicorn's own `limit_concurrency`.
"""

from __future__ import annotations

import asyncio

import msgspec
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["limited_protocol"]


def _refusal(status: int, reason: str, cls: str, message: str) -> bytes:
    body = msgspec.json.encode({"class": cls, "message": message})
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def limited_protocol(max_header: int, header_timeout: float) -> type[asyncio.Protocol]:
    """A protocol class for uvicorn's `http` setting, with these limits."""
    too_large = _refusal(
        431,
        "Request Header Fields Too Large",
        "Client::RequestHeaderFieldsTooLarge",
        f"The request line and headers exceed {max_header} bytes",
    )
    too_slow = _refusal(
        408,
        "Request Timeout",
        "Client::RequestTimeout",
        f"The request line and headers did not arrive within {header_timeout:g} seconds",
    )

    class LimitedProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._header_bytes = 0
            self._reading_headers = True
            self._deadline = self.loop.call_later(header_timeout, self._refuse, too_slow)

        def data_received(self, data: bytes) -> None:
            if self._reading_headers:
                if self._deadline is None:
                    self._deadline = self.loop.call_later(header_timeout, self._refuse, too_slow)
                # What came before this chunk: a chunk may also carry the end of the headers
                # and a body, and one chunk is at most the transport's read size.
                if self._header_bytes > max_header:
                    self._refuse(too_large)
                    return
                self._header_bytes += len(data)
            super().data_received(data)

        def on_headers_complete(self) -> None:
            self._reading_headers = False
            self._cancel_deadline()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._reading_headers = True  # what comes next is the next request
            self._header_bytes = 0

        def connection_lost(self, exc) -> None:
            self._cancel_deadline()
            super().connection_lost(exc)

        def _cancel_deadline(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _refuse(self, answer: bytes) -> None:
            self._cancel_deadline()
            if self._reading_headers and not self.transport.is_closing():
                self.transport.write(answer)
                self.transport.close()

    return LimitedProtocol
