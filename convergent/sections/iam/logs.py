"""`/v2/iam/log`: declined. convergent forwards no logs, so these routes answer 501."""

from __future__ import annotations

from ...errors import ApiError
from ...iam.objects import IAM
from ...model.operation import Operation, action

__all__ = ["OPERATIONS"]


async def logs_not_available(call):
    raise ApiError(
        501, "Server::NotImplemented::LogsNotAvailable", "IAM logs are not available on convergent"
    )


_NO_LOGS = (
    "convergent forwards no logs: the iam/log routes (log kinds, subscriptions to Logs Data Platform, "
    "temporary log URLs) answer 501 Server::NotImplemented::LogsNotAvailable"
)


def _log(method: str, path: str, actions: tuple[str, ...]) -> Operation:
    return Operation(method, path, logs_not_available, actions, declined=_NO_LOGS)


OPERATIONS = (
    _log("GET", "/iam/log/kind", action(IAM, "log/kind/get")),
    _log("GET", "/iam/log/kind/{name}", action(IAM, "log/kind/get")),
    _log("GET", "/iam/log/subscription", action(IAM, "log/subscription/get")),
    _log(
        "POST",
        "/iam/log/subscription",
        (*action(IAM, "log/subscription/create"), "ldp:apiovh:output/graylog/stream/forwardTo"),
    ),
    _log("DELETE", "/iam/log/subscription/{subscriptionId}", action(IAM, "log/subscription/delete")),
    _log("GET", "/iam/log/subscription/{subscriptionId}", action(IAM, "log/subscription/get")),
    _log("POST", "/iam/log/url", action(IAM, "log/url/create")),
)
