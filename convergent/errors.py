"""One error type for the whole API, built by named constructors.

Every error leaves the server as `{"class", "message"[, "details"]}` with the status it carries.
`class` is `Client::<HttpClass>[::<Specific>]` or `Server::<HttpClass>[::<Specific>]`, as the
OVHcloud API answers; clients and tests may rely on it, so the specific parts are stable.
"""

from __future__ import annotations

import math
from http import HTTPStatus

__all__ = ["ApiError"]


class ApiError(Exception):
    """An answer that is not a success. `error_code` is set for authentication failures,
    which OVHcloud's clients dispatch on (`errorCode`, with `httpCode`); `headers` go with the
    answer (`Retry-After`)."""

    __slots__ = ("status", "cls", "message", "details", "error_code", "headers")

    def __init__(
        self,
        status: int,
        cls: str,
        message: str,
        details: dict[str, str] | None = None,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.headers = headers
        self.status = status
        self.cls = cls
        self.message = message
        self.details = details
        self.error_code = error_code

    def body(self) -> dict:
        out: dict = {"class": self.cls, "message": self.message}
        if self.details:
            out["details"] = self.details
        if self.error_code:
            out["errorCode"] = self.error_code
            out["httpCode"] = f"{self.status} {HTTPStatus(self.status).phrase}"
        return out

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.cls!r}, {self.message!r})"

    # 400
    @classmethod
    def bad_request(cls, specific: str, message: str, **details: str) -> ApiError:
        return cls(400, f"Client::BadRequest::{specific}", message, details or None)

    @classmethod
    def invalid_json(cls) -> ApiError:
        return cls.bad_request(
            "InvalidJSON", "The input that you provided isn't valid JSON or not well formatted"
        )

    @classmethod
    def invalid_field(cls, field: str, reason: str) -> ApiError:
        where = field or "body"
        return cls.bad_request("InvalidInput", f"Invalid value for {where}: {reason}", field=where)

    @classmethod
    def invalid_parameter(cls, name: str, reason: str) -> ApiError:
        return cls.bad_request("InvalidParameter", f"Invalid parameter {name}: {reason}", parameter=name)

    @classmethod
    def invalid_cursor(cls) -> ApiError:
        return cls.bad_request("InvalidCursor", "invalid cursor")

    @classmethod
    def checksum_bad_format(cls, provided: str) -> ApiError:
        return cls.bad_request(
            "ChecksumBadFormat",
            f"Invalid Checksum format: checksum '{provided}' is not a valid MD5 hash",
        )

    # 401 / 403: authentication and authorisation
    @classmethod
    def authentication(cls, status: int, code: str, message: str) -> ApiError:
        """A refusal of the credentials themselves, with the errorCode clients dispatch on."""
        specific = "".join(part.capitalize() for part in code.split("_"))
        http = "Unauthorized" if status == 401 else "Forbidden" if status == 403 else "BadRequest"
        return cls(status, f"Client::{http}::{specific}", message, error_code=code)

    @classmethod
    def forbidden(
        cls, message: str, by_iam: list[str], by_authentication: list[str] | None = None
    ) -> ApiError:
        details = {"unauthorizedActionsByIAM": ",".join(by_iam)}
        if by_authentication:
            details["unauthorizedActionsByAuthentication"] = ",".join(by_authentication)
        return cls(403, "Client::Forbidden", message, details)

    # 404 / 405 / 409 / 412 / 413 / 423
    @classmethod
    def not_found(cls, specific: str, message: str) -> ApiError:
        return cls(404, f"Client::NotFound::{specific}", message)

    @classmethod
    def route_not_found(cls, method: str, path: str) -> ApiError:
        return cls(404, "Client::NotFound::RouteNotFound", f"No route matches {method} {path}")

    @classmethod
    def method_not_allowed(cls, method: str, path: str) -> ApiError:
        return cls(405, "Client::MethodNotAllowed", f"Method {method} is not allowed on {path}")

    @classmethod
    def conflict(cls, specific: str, message: str) -> ApiError:
        return cls(409, f"Client::Conflict::{specific}", message)

    @classmethod
    def checksum_mismatch(cls, provided: str, current: str, path: str) -> ApiError:
        return cls(
            412,
            "Client::PreconditionFailed::ChecksumMismatch",
            f"Provided checksum '{provided}' does not match the current one '{current}'. Please check "
            f"the last state of the resource with `GET {path}`, it may have been updated",
        )

    @classmethod
    def version_mismatch(cls, label: str, id: str, provided: str, current: str) -> ApiError:
        return cls(
            412,
            "Client::PreconditionFailed::VersionMismatch",
            f"If-Match {provided} does not match the current version {current} of {label} '{id}'. "
            "Read it again (its ETag header gives its version), it may have been updated",
        )

    @classmethod
    def payload_too_large(cls, limit: int) -> ApiError:
        return cls(
            413,
            "Client::PayloadTooLarge",
            f"Request body exceeds {limit} bytes",
            {"limit": str(limit)},
            headers={"Connection": "close"},  # the rest of the body is not read
        )

    @classmethod
    def too_many_attempts(cls, message: str, retry_after: float) -> ApiError:
        seconds = str(max(1, math.ceil(retry_after)))
        return cls(
            429, "Client::TooManyRequests", message, {"retryAfter": seconds}, headers={"Retry-After": seconds}
        )

    @classmethod
    def locked(cls, specific: str, message: str) -> ApiError:
        return cls(423, f"Client::Locked::{specific}", message)

    # 5xx
    @classmethod
    def internal(cls) -> ApiError:
        return cls(500, "Server::InternalServerError", "Internal server error")

    @classmethod
    def unavailable(cls, message: str, retry_after: int = 1) -> ApiError:
        return cls(503, "Server::ServiceUnavailable", message, headers={"Retry-After": str(retry_after)})

    @classmethod
    def insufficient_storage(cls, message: str, retry_after: int = 30) -> ApiError:
        return cls(507, "Server::InsufficientStorage", message, headers={"Retry-After": str(retry_after)})
