"""The checksum of a target spec: what a client sends back to update it safely.

It is a 32-hex MD5, as on OVHcloud's API, of the spec's canonical JSON (keys sorted, no
spaces) with empty values (null, "", [], {}) left out; a spec with nothing left hashes the
empty string, so `{"subnets": []}` gives `d41d8cd98f00b204e9800998ecf8427e` as OVHcloud does.
"""

from __future__ import annotations

import hashlib
import re

import msgspec

__all__ = ["checksum", "is_checksum", "canonical"]

_FORMAT = re.compile(r"[0-9a-f]{32}")
_encode = msgspec.json.Encoder(order="sorted").encode


def _pruned(value):
    if isinstance(value, dict):
        out = {k: p for k, v in value.items() if (p := _pruned(v)) is not None}
        return out or None
    if isinstance(value, list):
        return [_pruned(v) for v in value] or None
    if value == "" or value is None:
        return None
    return value


def canonical(value):
    """The same JSON value with every object's keys in alphabetical order, as on the wire."""
    return msgspec.json.decode(_encode(value))


def checksum(spec: dict) -> str:
    pruned = _pruned(spec)
    return hashlib.md5(b"" if pruned is None else _encode(pruned)).hexdigest()


def is_checksum(value: object) -> bool:
    return isinstance(value, str) and _FORMAT.fullmatch(value) is not None
