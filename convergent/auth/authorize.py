"""IAM enforcement: does the caller's account let this identity do these actions on this URN?

The account itself may do everything. Users and service accounts may do what the account's
policies grant them (convergent.iam.policy decides); nothing else. An account's policies,
permissions groups and resource groups are read once and kept while the store's items epoch
stays the same: a change applies to this process's next call, and within the epoch's refresh
time (store/base.py: EPOCH_TTL) to another process's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..auth.authenticate import Caller
from ..engine.clock import Clock
from ..errors import ApiError
from ..iam import PERMISSIONS_GROUP, POLICY, RESOURCE_GROUP
from ..iam.policy import Decision, Subject, Target, decide
from ..model.objects import ALL
from ..store import Store
from ..store.cache import ItemsCache

__all__ = ["Authorizer", "account_resource_urn"]


def account_resource_urn(nic: str) -> str:
    return f"urn:v1:eu:resource:account:{nic}"


class Authorizer:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock  # policies' `expiredAt` and date conditions are read on it
        self._accounts = ItemsCache(store)

    async def _rules(self, account: str) -> tuple:
        """(policies, permissions groups by URN, resource groups as (urn, member URNs))."""

        async def load() -> tuple:
            items = self.store.list_items
            policies = [item.body for item in await items(account, POLICY, None, ALL)]
            groups = {
                item.body["urn"]: item.body["permissions"]
                for item in await items(account, PERMISSIONS_GROUP, None, ALL)
            }
            resource_groups = [
                (item.body["urn"], frozenset(r.get("urn") for r in item.body.get("resources", [])))
                for item in await items(account, RESOURCE_GROUP, None, ALL)
            ]
            return policies, groups, resource_groups

        return await self._accounts.get(account, load)

    async def decide(
        self, caller: Caller, actions: Sequence[str], urn: str, tags: dict | None = None
    ) -> Decision:
        if caller.owner:
            return Decision(tuple(actions), ())
        policies, groups, resource_groups = await self._rules(caller.account)
        containing = tuple(group for group, members in resource_groups if urn in members)
        subject = Subject(identities=(caller.identity, *caller.groups), ip=caller.ip, now=self.clock.now())
        return decide(policies, groups, subject, Target(urn=urn, tags=tags or {}, groups=containing), actions)

    async def require(
        self, caller: Caller, actions: Sequence[str], urn: str, tags: dict | None = None
    ) -> None:
        if caller.owner or not actions:
            return
        decision = await self.decide(caller, actions, urn, tags)
        if not decision.allowed:
            refused = list(decision.unauthorized)
            raise ApiError.forbidden(
                f"{caller.identity} is not authorized to perform {', '.join(refused)} on {urn}", refused
            )
