"""An HTTP operation as data: method, path, handler, IAM actions and parameter rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Operation", "action"]


@dataclass(frozen=True)
class Operation:
    """One route of a section.

    `path` is relative to the branch (`/publicCloud/project/{projectId}`). `params` maps each
    path parameter to a check of its raw value; a value that fails gets a 400 naming it before
    the handler runs. The handler receives the call and returns a JSON-able value, or a Page.
    `actions` are the IAM actions the call needs, as the reference's `x-iam-actions` name them;
    they are checked on the URN of the resource the path names (the deepest kind of the section
    whose id parameter is in the path), or on the account's URN. A `public` operation needs no
    authentication (`/auth/time`, `/auth/credential`). `errors` names the error classes the
    handler itself may answer (`(423, "Client::Locked::RancherLocked")`), beyond those the
    generic layers add (documents list both). A `beta` operation may still change. `declined`
    says why a route of the reference is deliberately not implemented (its handler answers an
    error, typically 501); `convergent conformance` reports it with that reason instead of
    checking its answers.
    """

    method: str
    path: str
    handler: Callable[[Any], Awaitable[Any]]  # receives the call (convergent.api.call.Call)
    actions: tuple[str, ...] = ()
    params: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    summary: str = ""
    paged: bool = False
    deprecated: bool = False
    public: bool = False
    iam_per_item: bool = False  # a list that shows each caller only what it may see
    errors: tuple[tuple[int, str], ...] = ()
    beta: bool = False
    declined: str | None = None


def action(namespace: str, name: str) -> tuple[str, ...]:
    """One IAM action as an operation's `actions`: `action("account:apiovh:me", "get")`."""
    return (f"{namespace}/{name}",)
