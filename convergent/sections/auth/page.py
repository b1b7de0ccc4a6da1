"""The consumer key validation page: where an account owner or user grants a pending key.

Served with a Content-Security-Policy that allows nothing but its own inline style (by hash)
and posting the form to itself (and to the application's redirection origin, which the
browser follows after a grant), never in a frame, with a CSRF token in a SameSite cookie and
in the form."""

from __future__ import annotations

import base64
import hashlib
from html import escape
from urllib.parse import urlsplit

__all__ = ["validation_form", "outcome_page", "page_headers", "DURATIONS", "CSRF_COOKIE"]

CSRF_COOKIE = "convergent_csrf"

# Choices offered for a key's lifetime, in seconds (None: until revoked).
DURATIONS = {"3600": "1 hour", "86400": "1 day", "2592000": "30 days", "unlimited": "Unlimited"}

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b2a3a}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccd;padding:.3rem .6rem;text-align:left}
label{display:block;margin:.8rem 0 .2rem}input,select{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}
"""


_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def page_headers(redirection: str | None = None) -> dict[str, str]:
    """The security headers of every page here; `redirection` is where a grant sends the browser."""
    targets = "'self'"
    if redirection:
        parts = urlsplit(redirection)
        targets += f" {parts.scheme}://{parts.netloc}"
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
        f"form-action {targets}; base-uri 'none'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def validation_form(
    credential_id: str, token: str, csrf: str, app_name: str, rules: list[dict], error: str = ""
) -> str:
    rows = "".join(
        f"<tr><td>{escape(r['method'])}</td><td><code>{escape(r['path'])}</code></td></tr>" for r in rules
    )
    options = "".join(f'<option value="{v}">{escape(label)}</option>' for v, label in DURATIONS.items())
    notice = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        "Authorize an application",
        f"<p>The application <strong>{escape(app_name)}</strong> asks to act for you with these rights:</p>"
        f"<table><thead><tr><th>Method</th><th>Path</th></tr></thead><tbody>{rows}</tbody></table>{notice}"
        '<form method="post" action="/auth/validate">'
        f'<input type="hidden" name="credentialId" value="{escape(credential_id)}">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label for="login">Account (xx1111-ovh) or user (xx1111-ovh/login)</label>'
        '<input id="login" name="login" autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        f'<label for="duration">Validity</label><select id="duration" name="duration">{options}</select>'
        '<button type="submit" name="decision" value="grant">Authorize</button> '
        '<button type="submit" name="decision" value="refuse">Refuse</button></form>',
    )


def outcome_page(title: str, message: str) -> str:
    return _page(title, f"<p>{escape(message)}</p>")
