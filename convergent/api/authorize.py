"""IAM enforcement: does the caller's account let this identity do these actions on this URN?

The account itself may do everything. Users and service accounts may do what the account's
policies grant them (convergent.iam.policy decides); nothing else. The policies, permissions
groups and resource groups are read from the store on each checked call, so a change applies to
the very next call in every process.
"""

from __future__ import annotations

import time

from collections.abc import Sequence

from ..auth.authenticate import Caller
from ..errors import ApiError
from ..iam import PERMISSIONS_GROUP, POLICY, RESOURCE_GROUP
from ..iam.policy import Decision, Subject, Target, decide
from ..store import Store

__all__ = ["Authorizer", "account_resource_urn"]
_ALL = 100_000


def account_resource_urn(nic: str) -> str:
    return f"urn:v1:eu:resource:account:{nic}"


class Authorizer:
    def __init__(self, store: Store):
        self.store = store

    async def decide(self, caller: Caller, actions: Sequence[str], urn: str, tags: dict | None = None) -> Decision:
        if caller.owner:
            return Decision(tuple(actions), ())
        account = caller.account
        policies = [item.body for item in await self.store.list_items(account, POLICY, None, _ALL)]
        groups = {item.body["urn"]: item.body["permissions"] for item in await self.store.list_items(account, PERMISSIONS_GROUP, None, _ALL)}
        containing = tuple(
            item.body["urn"]
            for item in await self.store.list_items(account, RESOURCE_GROUP, None, _ALL)
            if any(r.get("urn") == urn for r in item.body.get("resources", []))
        )
        subject = Subject(identities=(caller.identity, *caller.groups), ip=caller.ip, now=time.time())
        return decide(policies, groups, subject, Target(urn=urn, tags=tags or {}, groups=containing), actions)

    async def require(self, caller: Caller, actions: Sequence[str], urn: str, tags: dict | None = None) -> None:
        if caller.owner or not actions:
            return
        decision = await self.decide(caller, actions, urn, tags)
        if not decision.allowed:
            refused = list(decision.unauthorized)
            raise ApiError.forbidden(
                f"{caller.identity} is not authorized to perform {', '.join(refused)} on {urn}", refused
            )
