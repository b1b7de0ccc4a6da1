"""What a client raises and warns: one exception type per kind of refusal, built from the answer.

Every API refusal is an `ApiError` carrying the HTTP status, the error `class`
(`Client::NotFound::...`), the message, the `details` map and the query id (`X-OVH-QueryID`).
Authentication refusals are chosen by their `errorCode`, as the official clients do; the others
by their status.
"""

from __future__ import annotations

import json

import httpx

__all__ = [
    "ConfigurationError",
    "ApiError",
    "BadRequestError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "LockedError",
    "ServerError",
    "AuthError",
    "InvalidSignature",
    "QueryTimeOut",
    "InvalidKey",
    "InvalidCredential",
    "NotCredential",
    "NotGrantedCall",
    "AuthForbidden",
    "NotAuthenticated",
    "OAuth2Error",
    "TaskFailed",
    "WaitTimeout",
    "SchemasVersionDeprecated",
    "error_from",
]


class ConfigurationError(ValueError):
    """No endpoint, no credentials, or an incomplete pair of them."""


class ApiError(Exception):
    """The API refused a call. `str()` reads `message (class) [query id]`."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_class: str | None = None,
        details: dict | None = None,
        query_id: str | None = None,
        error_code: str | None = None,
        response: httpx.Response | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_class = error_class
        self.details = details or {}
        self.query_id = query_id
        self.error_code = error_code
        self.response = response

    def __str__(self) -> str:
        kind = self.error_class or self.error_code or f"HTTP {self.status}"
        suffix = f" [query id {self.query_id}]" if self.query_id else ""
        return f"{self.message} ({kind}){suffix}"


class BadRequestError(ApiError):
    """400: a malformed body, parameter, checksum format or schema version."""


class ForbiddenError(ApiError):
    """403 without an errorCode: IAM refused (see `details['unauthorizedActionsByIAM']`)."""


class NotFoundError(ApiError):
    """404."""


class ConflictError(ApiError):
    """409."""


class PreconditionFailedError(ApiError):
    """412: the checksum sent is not the resource's current one; GET it again."""


class LockedError(ApiError):
    """423: a task is in flight on the resource; wait for it."""


class ServerError(ApiError):
    """5xx."""


class AuthError(ApiError):
    """A refusal of the credentials themselves, named by `errorCode`."""


class InvalidSignature(AuthError):
    """INVALID_SIGNATURE."""


class QueryTimeOut(AuthError):
    """QUERY_TIME_OUT: the timestamp is outside the server's window (clock skew)."""


class InvalidKey(AuthError):
    """INVALID_KEY: unknown application key."""


class InvalidCredential(AuthError):
    """INVALID_CREDENTIAL: the consumer key is unknown, not validated yet, or expired."""


class NotCredential(AuthError):
    """NOT_CREDENTIAL."""


class NotGrantedCall(AuthError):
    """NOT_GRANTED_CALL: the consumer key's access rules do not cover this call."""


class AuthForbidden(AuthError):
    """FORBIDDEN: e.g. the call comes from an address the credential does not allow."""


class NotAuthenticated(AuthError):
    """NOT_AUTHENTICATED: no credentials were sent."""


class OAuth2Error(AuthError):
    """The token endpoint refused the client credentials."""


class TaskFailed(Exception):
    """A task ended in ERROR; `message` is the task's own error message."""

    def __init__(self, message: str, *, task: dict | None = None, resource: dict | None = None):
        super().__init__(message)
        self.message = message
        self.task = task
        self.resource = resource


class WaitTimeout(TimeoutError):
    """`wait` gave up; `resource` is the last state seen."""

    def __init__(self, message: str, resource: dict | None = None):
        super().__init__(message)
        self.resource = resource


class SchemasVersionDeprecated(DeprecationWarning):
    """The schema version that served a call is deprecated: `deprecation` and `sunset` are the
    raw header values (RFC 9745 `@epoch`, RFC 8594 HTTP date), `link` the changelog's Link."""

    def __init__(
        self, message: str, *, version: str | None, deprecation: str, sunset: str | None, link: str | None
    ):
        super().__init__(message)
        self.version = version
        self.deprecation = deprecation
        self.sunset = sunset
        self.link = link


_AUTH = {
    "INVALID_SIGNATURE": InvalidSignature,
    "QUERY_TIME_OUT": QueryTimeOut,
    "INVALID_KEY": InvalidKey,
    "INVALID_CREDENTIAL": InvalidCredential,
    "NOT_CREDENTIAL": NotCredential,
    "NOT_GRANTED_CALL": NotGrantedCall,
    "FORBIDDEN": AuthForbidden,
    "NOT_AUTHENTICATED": NotAuthenticated,
}

_STATUS = {
    400: BadRequestError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    423: LockedError,
}


def error_from(response: httpx.Response) -> ApiError:
    """The exception for a refusal (status >= 400), whatever its body holds."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        body = {"message": response.text or response.reason_phrase}
    code = body.get("errorCode")
    if code in _AUTH:
        cls = _AUTH[code]
    elif "error" in body and "error_description" in body:
        cls, code = OAuth2Error, body["error"]
    elif response.status_code >= 500:
        cls = ServerError
    else:
        cls = _STATUS.get(response.status_code, ApiError)
    details = body.get("details")
    return cls(
        str(body.get("message") or body.get("error_description") or response.reason_phrase),
        status=response.status_code,
        error_class=body.get("class"),
        details=details if isinstance(details, dict) else {},
        query_id=response.headers.get("x-ovh-queryid"),
        error_code=code,
        response=response,
    )
