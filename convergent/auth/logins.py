"""Password and secret checks as attackers meet them: off the event loop, the same work for
accounts that do not exist, throttled per account and per client address, and recorded.

A password hash (scrypt) costs tens of milliseconds of CPU: it runs in one thread beside the
event loop, so other calls go on being served while guessers try. An unknown account or user
is checked against a hash of nothing, so an answer takes as long whether the name exists or
not. Every failure on an existing account, and every lockout, is an event of that account
(`/me/event`, type `AUTHENTICATION`), written after the answer is decided.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from ..engine.objects import Objects
from ..model.records import Event
from ..store import Store, StoreUnavailable
from . import accounts
from .passwords import verify_password
from .throttle import Throttle

__all__ = ["Logins", "EVENT_TYPE", "client_address"]

log = logging.getLogger("convergent.auth")

EVENT_TYPE = "AUTHENTICATION"

# The hash of a random password, made with the parameters hash_password uses (the password was
# thrown away): checking against it costs what checking a real account costs.
_DECOY = "scrypt$16384$8$1$HZqKx9/g+b9B2nSZjKBGHQ==$WfrTk3DRiiI/ckjKKdbzCtFkBWlk8xVi1tHleCnnldY="


class Logins:
    def __init__(self, store: Store, objects: Objects, throttle: Throttle):
        self.store = store
        self.objects = objects
        self.throttle = throttle
        self._hasher = ThreadPoolExecutor(1, thread_name_prefix="convergent-passwords")
        self._pending: set[asyncio.Task] = set()

    async def _verify(self, password: str, stored: str | None) -> bool:
        """Check in the hashing thread; an unknown account or user (`stored` None) costs the same
        work, against a hash of a random password made once (and even a match fails)."""
        loop = asyncio.get_running_loop()
        if stored is None:
            await loop.run_in_executor(self._hasher, verify_password, password, _DECOY)
            return False
        return await loop.run_in_executor(self._hasher, verify_password, password, stored)

    async def password(self, login: str, password: str, address: str) -> tuple[str, str | None] | None:
        """`nic` (the account owner) or `nic/login` (a user) with its password -> (nic, user login),
        or None. Raises 429 while the account or the address is locked out."""
        nic, _, user = login.partition("/")
        keys = (f"account:{nic}", f"address:{address}")
        await self.throttle.admit(keys)
        if user:
            item = await self.objects.find(accounts.USERS, nic, user)
            usable = item is not None and item.body["status"] == "OK"
        else:
            item = await self.objects.find(accounts.ACCOUNTS, nic, nic)
            usable = item is not None
        ok = await self._verify(password, (item.body["passwordHash"] or None) if item is not None else None)
        if ok and usable:
            self.throttle.succeeded(keys[:1])
            return nic, user or None
        self.failed(
            keys, nic if item is not None else None, f"wrong password for {login!r:.80} from {address}"
        )
        return None

    async def admit(self, keys: tuple[str, ...]) -> None:
        """Wait the delay `keys`' failures ask for; 429 while one of them is locked out."""
        await self.throttle.admit(keys)

    def succeeded(self, keys: tuple[str, ...]) -> None:
        self.throttle.succeeded(keys)

    def failed(self, keys: tuple[str, ...], account: str | None, what: str) -> None:
        """Count a failure against `keys`; an event of `account` (when it exists) says `what`."""
        locked = self.throttle.failed(keys)
        log.warning("authentication failure: %s%s", what, "; locked out" if locked else "")
        if account:
            task = asyncio.create_task(self._record(account, what, locked))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _record(self, account: str, what: str, locked: bool) -> None:
        now = time.time()
        events = [("LOGIN_FAILURE", f"Authentication failure: {what}")]
        if locked:
            events.append(
                ("LOGIN_LOCKOUT", f"Too many failures: attempts refused for {self.throttle.lockout:g} s")
            )
        try:
            async with self.store.write() as tx:
                for name, message in events:
                    await tx.insert_event(
                        Event(account, "account", account, EVENT_TYPE, name, message, None, now)
                    )
        except StoreUnavailable as error:
            log.warning("could not record an authentication event of %s: %s", account, error)

    async def close(self) -> None:
        for task in list(self._pending):
            with contextlib.suppress(Exception):
                await task
        self._hasher.shutdown(wait=False, cancel_futures=True)


def client_address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
