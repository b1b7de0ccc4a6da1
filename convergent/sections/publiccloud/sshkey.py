"""SSH keys of a project: plain objects named by the caller, not as-code resources.

`/v2/publicCloud/project/{projectId}/sshKey` answers bare objects (`name`, `publicKey`,
`createdAt`, `updatedAt`); a key is immutable (no PUT), named uniquely within its project.
"""

from __future__ import annotations

import base64
import binascii
import re

import msgspec

from ...errors import ApiError
from ...model.operation import Operation
from ...model.records import Item
from ...model.times import iso
from ...store import Page
from .in_project import PROJECT_PARAM, project_of

__all__ = ["OPERATIONS", "SSH_KEY", "find_key"]

SSH_KEY = "publicCloud.sshKey"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_ALGORITHMS = frozenset(
    {
        "ssh-rsa",
        "ssh-ed25519",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_PAGE = 1000


class SshKeyCreation(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    publicKey: str


def check_public_key(key: str) -> str:
    """An OpenSSH public key line (`type base64 [comment]`) whose blob names the same type."""
    parts = key.strip().split(None, 2)
    if len(parts) < 2 or parts[0] not in _ALGORITHMS:
        raise ApiError.invalid_field(
            "publicKey", "publicKey is not an OpenSSH public key ('ssh-ed25519 AAAA...')"
        )
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError.invalid_field("publicKey", "publicKey's key data is not valid base64") from None
    size = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if blob[4 : 4 + size].decode("ascii", "replace") != parts[0]:
        raise ApiError.invalid_field("publicKey", f"publicKey's key data is not a {parts[0]} key")
    return key.strip()


def _item_id(project: str, name: str) -> str:
    return f"{project}/{name}"


def _wire(item: Item) -> dict:
    return {
        "createdAt": iso(item.created_at),
        "name": item.body["name"],
        "publicKey": item.body["publicKey"],
        "updatedAt": iso(item.updated_at),
    }


async def find_key(store, account: str, project: str, name: str) -> Item | None:
    item = await store.get_item(SSH_KEY, _item_id(project, name))
    return item if item is not None and item.account == account else None


async def _key(call) -> Item:
    project = await project_of(call)
    item = await find_key(call.ctx.store, call.account, project.id, call.params["sshKeyName"])
    if item is None:
        raise ApiError.not_found("SshKeyNotFound", f"SSH key '{call.params['sshKeyName']}' does not exist")
    return item


async def list_keys(call):
    project = await project_of(call)
    prefix = _item_id(project.id, "")

    async def fetch(position, size):
        out, after = Page(), position
        while len(out) < size:
            page = await call.ctx.store.list_items(call.account, SSH_KEY, after, _PAGE)
            out += [i for i in page if i.id.startswith(prefix)][: size - len(out)]
            if not page.more:
                out.more = False
                return out
            after = page[-1].seq
        out.more = True
        return out

    return await call.paginate(fetch, _wire)


async def create_key(call):
    project = await project_of(call)
    body = await call.body(SshKeyCreation)
    if not _NAME.fullmatch(body.name):
        raise ApiError.invalid_field(
            "name",
            "name must be 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
        )
    public_key = check_public_key(body.publicKey)
    now = call.ctx.changes.clock.now()
    item = Item(
        account=call.account,
        kind=SSH_KEY,
        id=_item_id(project.id, body.name),
        body={"name": body.name, "project": project.id, "publicKey": public_key},
        created_at=now,
        updated_at=now,
    )
    try:
        async with call.ctx.store.write() as tx:
            await tx.insert_item(item)
    except KeyError:
        raise ApiError.conflict(
            "SshKeyAlreadyExists", f"An SSH key named '{body.name}' already exists in this project"
        ) from None
    return _wire(item)


async def get_key(call):
    return _wire(await _key(call))


async def delete_key(call):
    item = await _key(call)
    async with call.ctx.store.write() as tx:
        await tx.delete_item(item)
    return None


def _name(value: str) -> bool:
    return 0 < len(value) <= 256


_PATH = "/publicCloud/project/{projectId}/sshKey"
_ON_KEY = {**PROJECT_PARAM, "sshKeyName": _name}


def _action(verb: str) -> tuple[str, ...]:
    return (f"publicCloudProject:apiovh:sshKey/{verb}",)


OPERATIONS = (
    Operation(
        "GET", _PATH, list_keys, _action("get"), PROJECT_PARAM, "List the project's SSH keys", paged=True
    ),
    Operation(
        "POST",
        _PATH,
        create_key,
        _action("create"),
        PROJECT_PARAM,
        "Add an SSH key to the project",
        errors=((409, "Client::Conflict::SshKeyAlreadyExists"),),
    ),
    Operation(
        "GET",
        f"{_PATH}/{{sshKeyName}}",
        get_key,
        _action("get"),
        _ON_KEY,
        "Get an SSH key",
        errors=((404, "Client::NotFound::SshKeyNotFound"),),
    ),
    Operation(
        "DELETE",
        f"{_PATH}/{{sshKeyName}}",
        delete_key,
        _action("delete"),
        _ON_KEY,
        "Delete an SSH key",
        errors=((404, "Client::NotFound::SshKeyNotFound"),),
    ),
)
