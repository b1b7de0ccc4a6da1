"""Cursors of paged lists: opaque, integrity-protected positions.

A cursor carries one position (the last item's sequence number, or a count for computed
lists) and an HMAC over that position and the listing it belongs to: the account, the list's path
and its filters. A tampered cursor, or one from another list or account, fails the check and gets
400 `invalid cursor`. The key lives in the database, so every process accepts every cursor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

from ..errors import ApiError

__all__ = ["Cursors"]

_MAC_BYTES = 12


class Cursors:
    def __init__(self, key: bytes):
        self.key = key

    def _mac(self, listing: str, packed: bytes) -> bytes:
        return hmac.new(self.key, listing.encode() + b"\0" + packed, hashlib.sha256).digest()[:_MAC_BYTES]

    def sign(self, listing: str, position: int) -> str:
        packed = struct.pack(">Q", position)
        return base64.urlsafe_b64encode(packed + self._mac(listing, packed)).rstrip(b"=").decode()

    def read(self, listing: str, token: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise ApiError.invalid_cursor() from None
        if len(raw) != 8 + _MAC_BYTES:
            raise ApiError.invalid_cursor()
        packed, mac = raw[:8], raw[8:]
        if not hmac.compare_digest(mac, self._mac(listing, packed)):
            raise ApiError.invalid_cursor()
        return struct.unpack(">Q", packed)[0]
