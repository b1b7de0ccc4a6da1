"""The admin credential: one bearer token per database, kept hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..store import Store

__all__ = ["ensure_admin_token", "admin_token_matches", "rotate_admin_token"]

_KEY = "admin_token_sha256"
_PREFIX = "cva_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def rotate_admin_token(store: Store, token: str | None = None) -> str:
    """Set the admin token (a new random one by default) and return it."""
    token = token or _PREFIX + secrets.token_urlsafe(24)
    await store.set_meta(_KEY, _hash(token))
    return token


async def ensure_admin_token(store: Store, configured: str = "") -> str | None:
    """Make the admin token exist: the configured one, else a new one when there is none.
    Returns a token only when it was just created (to be shown once)."""
    if configured:
        await store.set_meta(_KEY, _hash(configured))
        return None
    if await store.get_meta(_KEY) is not None:
        return None
    return await rotate_admin_token(store)


async def admin_token_matches(store: Store, token: str) -> bool:
    stored = await store.get_meta(_KEY)
    return stored is not None and hmac.compare_digest(stored, _hash(token))
