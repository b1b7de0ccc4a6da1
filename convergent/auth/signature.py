"""OVH request signatures, computed exactly as the official clients compute them.

`"$1$" + sha1_hex(AS + "+" + CK + "+" + METHOD + "+" + FULL_URL + "+" + BODY + "+" + TIMESTAMP)`
where FULL_URL is scheme://Host + the raw request target and BODY the raw request bytes.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "signature_matches"]


def sign(secret: str, consumer_key: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    digest = hashlib.sha1()
    digest.update(f"{secret}+{consumer_key}+{method.upper()}+{url}+".encode())
    digest.update(body)
    digest.update(f"+{timestamp}".encode())
    return "$1$" + digest.hexdigest()


def signature_matches(
    provided: str, secret: str, consumer_key: str, method: str, url: str, body: bytes, timestamp: str
) -> bool:
    expected = sign(secret, consumer_key, method, url, body, timestamp)
    return hmac.compare_digest(provided.encode(), expected.encode())
