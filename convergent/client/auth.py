"""httpx authentications: OVH request signatures and OAuth2 client credentials.

Both work with `httpx.Client` and `httpx.AsyncClient` alike: what they need from the server (the
clock, a token) they ask for within the auth flow, as one more request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Generator

import httpx

from .errors import error_from

__all__ = ["OvhSignature", "OAuth2ClientCredentials"]


def sign(secret: str, consumer_key: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    """OVH's request signature: `"$1$" + sha1_hex(AS+CK+METHOD+URL+BODY+TIMESTAMP)`, joined by
    `+`, where URL is the full URL as sent and BODY the raw request bytes."""
    digest = hashlib.sha1()
    digest.update(f"{secret}+{consumer_key}+{method.upper()}+{url}+".encode())
    digest.update(body)
    digest.update(f"+{timestamp}".encode())
    return "$1$" + digest.hexdigest()


class OvhSignature(httpx.Auth):
    """Adds X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature.

    `time_delta` is the server's clock minus this machine's. With `time_url` (the endpoint's
    `/auth/time`) and no delta given, the delta is asked once, before the first signed call.
    """

    requires_request_body = True
    requires_response_body = True

    def __init__(
        self,
        application_key: str,
        application_secret: str,
        consumer_key: str,
        time_delta: int | None = None,
        *,
        time_url: str | None = None,
    ):
        self.application_key = application_key
        self.application_secret = application_secret
        self.consumer_key = consumer_key
        self.time_delta = time_delta if time_delta is not None or time_url else 0
        self.time_url = time_url

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.time_delta is None:
            answer = yield httpx.Request("GET", self.time_url)
            if answer.status_code != 200:
                raise error_from(answer)
            self.time_delta = int(answer.json()) - int(time.time())
        stamp = str(int(time.time()) + self.time_delta)
        request.headers["X-Ovh-Application"] = self.application_key
        request.headers["X-Ovh-Consumer"] = self.consumer_key
        request.headers["X-Ovh-Timestamp"] = stamp
        request.headers["X-Ovh-Signature"] = sign(
            self.application_secret,
            self.consumer_key,
            request.method,
            str(request.url),
            request.content,
            stamp,
        )
        yield request


class OAuth2ClientCredentials(httpx.Auth):
    """`Authorization: Bearer` from the client credentials flow at `token_url`.

    A token is fetched before the first call and again when it is within `margin` seconds of
    its `expires_in`, or when a call answers 401 with a token that was not fresh (revoked early).
    """

    requires_response_body = True

    def __init__(
        self, client_id: str, client_secret: str, token_url: str, *, scope: str = "all", margin: float = 30
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.scope = scope
        self.margin = margin
        self.token: str | None = None
        self.expires_at = 0.0

    def _token_request(self) -> httpx.Request:
        request = httpx.Request(
            "POST", self.token_url, data={"grant_type": "client_credentials", "scope": self.scope}
        )
        return next(httpx.BasicAuth(self.client_id, self.client_secret).auth_flow(request))

    def _take(self, answer: httpx.Response) -> None:
        if answer.status_code != 200:
            raise error_from(answer)
        body = answer.json()
        self.token = body["access_token"]
        self.expires_at = time.time() + float(body.get("expires_in") or 3600)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = False
        if self.token is None or time.time() >= self.expires_at - self.margin:
            self._take((yield self._token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self._take((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self.token}"
            yield request
