"""First start: an empty database gets an account and a ready-to-use credential."""

from __future__ import annotations

from ..store import Store
from . import accounts

__all__ = ["DEFAULT_ACCOUNT", "first_start", "snippet"]

DEFAULT_ACCOUNT = "xx1111-ovh"


async def first_start(store: Store, now: float) -> tuple[accounts.Issued, str] | None:
    """On a database with no account: create one and a credential; return it and the owner's
    password (shown once). None when the database already has an account."""
    if await store.any_item(accounts.ACCOUNT):
        return None
    _, password = await accounts.ensure_account(store, DEFAULT_ACCOUNT, now)
    if password is None:
        return None  # another process starting at the same time made it first
    issued = await accounts.issue_credential(store, DEFAULT_ACCOUNT, now)
    return issued, password


def snippet(issued: accounts.Issued, endpoint: str) -> str:
    """Five lines of python-ovh that work against this server."""
    return (
        "import ovh\n"
        f'ovh.client.ENDPOINTS["convergent"] = "{endpoint}/1.0"\n'
        f'client = ovh.Client(endpoint="convergent", application_key="{issued.application_key}",\n'
        f'    application_secret="{issued.application_secret}", consumer_key="{issued.consumer_key}")\n'
        'print(client.get("/v2/publicCloud/project"))'
    )
