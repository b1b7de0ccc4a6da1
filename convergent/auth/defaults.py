"""Accounts' default schemas majors: the major a `/v2` call is served by when it pins none.

The default is read once per call, with the caller's credential (authenticate.py), and the
section decides what it stands for today (`Section.default_for`). A call never writes it: an
account whose default is past its end of availability is served by the next major at once,
noted here, and moved for good (with an event in `/me/event`) by the runtime's housekeeping.
The account owner changes it with `PUT /me/api/schemasVersion/{section}`.
"""

from __future__ import annotations

import logging

from ..engine.clock import Clock
from ..errors import ApiError
from ..model.records import Event
from ..model.section import Section
from ..store import Store
from . import accounts

__all__ = ["Defaults", "ACCOUNT_KIND", "SCHEMAS_EVENT"]

ACCOUNT_KIND = "account"  # the `kind` of events about an account itself
SCHEMAS_EVENT = "SCHEMAS_VERSION_CHANGE"

log = logging.getLogger("convergent.defaults")


class Defaults:
    def __init__(self, store: Store, clock: Clock, sections: tuple[Section, ...]):
        self.store = store
        self.clock = clock
        self._sections = {s.name: s for s in sections if s.branch == "v2"}
        self._moves: set[tuple[str, str]] = set()  # (account, section) to move off a retired major

    def of(self, account: str, schemas: dict | None, section: Section) -> int:
        """The account's default major for `section` today, from its stored choices `schemas`."""
        chosen = (schemas or {}).get(section.name, section.default_major)
        number = section.default_for(chosen, self.clock.today())
        if number != chosen:
            self._moves.add((account, section.name))
        return number

    async def move_retired(self) -> None:
        """Write the moves noted since the last time (each only if it is still due)."""
        moves, self._moves = self._moves, set()
        for account, name in sorted(moves):
            section = self._sections[name]
            try:
                await self._write(account, section, None)
            except ApiError:
                log.warning("account %s is gone: its default for %s stays", account, name)

    async def set(self, account: str, section: Section, number: int) -> None:
        """The account owner's choice."""
        await self._write(account, section, number)

    async def _write(self, account: str, section: Section, number: int | None) -> None:
        """Set the default to `number`, or (None) move it off a retired major; with an event."""
        now = self.clock.now()
        async with self.store.write() as tx:
            item = await tx.get_item(accounts.ACCOUNT, account)
            if item is None:
                raise ApiError.not_found("AccountNotFound", f"Account '{account}' does not exist")
            schemas = dict(item.body.get("schemas", {}))
            before = schemas.get(section.name, section.default_major)
            if number is None:
                number = section.default_for(before, self.clock.today())
                if number == before:
                    return
                reason = f"end of availability of {before}.x"
            else:
                reason = "changed by the account"
            schemas[section.name] = number
            item.body["schemas"] = schemas
            item.updated_at = now
            await tx.update_item(item)
            await tx.insert_event(
                Event(
                    account=account,
                    kind=ACCOUNT_KIND,
                    resource_id=account,
                    type=SCHEMAS_EVENT,
                    name=f"{section.name}:{before}->{number}",
                    message=f"Default schemas version of {section.name} changed from {before}.x to {number}.x ({reason})",
                    link=f"/v2/{section.name}.changelog.json",
                    created_at=now,
                )
            )
