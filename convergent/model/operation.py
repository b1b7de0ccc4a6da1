"""An HTTP operation as data: method, path, handler, IAM actions and parameter rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api.call import Call

__all__ = ["Operation"]


@dataclass(frozen=True)
class Operation:
    """One route of a section.

    `path` is relative to the branch (`/publicCloud/project/{projectId}`). `params` maps each
    path parameter to a check of its raw value; a value that fails gets a 400 naming it before
    the handler runs. The handler receives the call and returns a JSON-able value, or a Page.
    `actions` are the IAM actions the call needs, as the reference's `x-iam-actions` name them.
    """

    method: str
    path: str
    handler: Callable[[Call], Awaitable[Any]]
    actions: tuple[str, ...] = ()
    params: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    summary: str = ""
    paged: bool = False
    deprecated: bool = False
