"""IAM enforcement: does the caller's account let this identity do these actions on this URN?

The account itself may do everything. Users and service accounts may do what the account's
policies grant them (convergent.iam.policy decides); nothing else. An account's policies,
permissions groups and resource groups are read once and kept while the store's items epoch
stays the same: a change applies to this process's next call, and within the epoch's refresh
time (store/base.py: EPOCH_TTL) to another process's.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ..auth.authenticate import Caller
from ..engine.clock import Clock
from ..errors import ApiError
from ..iam import PERMISSIONS_GROUP, POLICY, RESOURCE_GROUP
from ..iam.policy import Decision, Subject, Target, decide, plated
from ..model.objects import ALL
from ..store import Store
from ..store.cache import ItemsCache

__all__ = ["Authorizer", "account_resource_urn"]


_DECISIONS = 10_000  # decisions kept per account


def _timeless(policies: list) -> bool:
    """Whether no policy's effect depends on the time: no `expiredAt`, no date condition."""
    return all(
        not isinstance(p, dict)
        or (p.get("expiredAt") is None and b"date(" not in msgspec.json.encode(p.get("conditions")))
        for p in policies
    )


def _tag_key(tags: dict | None) -> tuple | None:
    """The tags as a hashable key (None when a value is not hashable: not cached)."""
    if not tags:
        return ()
    key = tuple(tags.items())
    try:
        hash(key)
    except TypeError:
        return None
    return key


def account_resource_urn(nic: str) -> str:
    return f"urn:v1:eu:resource:account:{nic}"


class Authorizer:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock  # policies' `expiredAt` and date conditions are read on it
        self._accounts = ItemsCache(store)

    async def _rules(self, account: str) -> tuple:
        """(policies, permissions groups by URN, resource groups as (urn, member URNs), whether
        no policy depends on time, the decisions made on them so far)."""

        async def load() -> tuple:
            items = self.store.list_items
            policies = [item.body for item in await items(account, POLICY, None, ALL)]
            groups = {
                plated(item.body["urn"]): item.body["permissions"]
                for item in await items(account, PERMISSIONS_GROUP, None, ALL)
            }
            resource_groups = [
                (
                    item.body["urn"],
                    frozenset(plated(r.get("urn") or "") for r in item.body.get("resources") or []),
                )
                for item in await items(account, RESOURCE_GROUP, None, ALL)
            ]
            return policies, groups, resource_groups, _timeless(policies), {}

        return await self._accounts.get(account, load)

    async def decide(
        self, caller: Caller, actions: Sequence[str], urn: str, tags: dict | None = None
    ) -> Decision:
        if caller.owner:
            return Decision(tuple(actions), ())
        policies, groups, resource_groups, timeless, decisions = await self._rules(caller.account)
        # Without expiries or date conditions a decision depends only on these, and the rules it
        # was made on (all dropped together when any plain object changes): made once each.
        key = (
            (caller.identity, caller.groups, caller.ip, tuple(actions), urn, _tag_key(tags))
            if timeless
            else None
        )
        if key is not None:
            decision = decisions.get(key)
            if decision is not None:
                return decision
        containing = tuple(group for group, members in resource_groups if urn in members)
        subject = Subject(identities=(caller.identity, *caller.groups), ip=caller.ip, now=self.clock.now())
        decision = decide(
            policies, groups, subject, Target(urn=urn, tags=tags or {}, groups=containing), actions
        )
        if key is not None and key[-1] is not None:
            if len(decisions) >= _DECISIONS:
                decisions.clear()
            decisions[key] = decision
        return decision

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
