"""httpx authentication that signs requests as OVHcloud's official clients do."""

from __future__ import annotations

import time
from collections.abc import Generator

import httpx

from ..auth.signature import sign

__all__ = ["OvhSignature"]


class OvhSignature(httpx.Auth):
    """Adds X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature.

    `time_delta` is the server's clock minus this machine's, as `GET /auth/time` tells.
    """

    requires_request_body = True

    def __init__(self, application_key: str, application_secret: str, consumer_key: str, time_delta: int = 0):
        self.application_key = application_key
        self.application_secret = application_secret
        self.consumer_key = consumer_key
        self.time_delta = time_delta

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        stamp = str(int(time.time()) + self.time_delta)
        request.headers["X-Ovh-Application"] = self.application_key
        request.headers["X-Ovh-Consumer"] = self.consumer_key
        request.headers["X-Ovh-Timestamp"] = stamp
        request.headers["X-Ovh-Signature"] = sign(
            self.application_secret, self.consumer_key, request.method, str(request.url), request.content, stamp
        )
        yield request
