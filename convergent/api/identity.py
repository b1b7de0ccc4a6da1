"""Who is calling. Every handler gets its caller from here and nowhere else.

Until authentication lands, every request acts as one development account.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

__all__ = ["Caller", "DEV_ACCOUNT", "identify"]

DEV_ACCOUNT = "xx1111-ovh"


@dataclass(frozen=True, slots=True)
class Caller:
    account: str


_DEV = Caller(DEV_ACCOUNT)


def identify(request: Request) -> Caller:
    return _DEV
