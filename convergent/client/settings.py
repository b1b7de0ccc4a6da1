"""Where a client finds its endpoint and keys: the same places as OVHcloud's official clients.

Each value comes from the constructor argument, else the `OVH_<NAME>` variable, else the
`ovh.conf` files (`/etc/ovh.conf`, `~/.ovh.conf`, `./ovh.conf`, later ones winning, plus an
explicit `config_file`), in the section named after the endpoint. The endpoint itself comes from
the argument, `OVH_ENDPOINT` or `[default] endpoint`. It is a name python-ovh knows (`ovh-eu`,
...) or any `http(s)://` URL; a URL is also the name of its section in `ovh.conf`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from configparser import RawConfigParser
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["ENDPOINTS", "OAUTH2_TOKEN_URLS", "CONFIG_PATHS", "Settings", "load_settings", "target"]

ENDPOINTS = {
    "ovh-eu": "https://eu.api.ovh.com/1.0",
    "ovh-us": "https://api.us.ovhcloud.com/1.0",
    "ovh-ca": "https://ca.api.ovh.com/1.0",
    "kimsufi-eu": "https://eu.api.kimsufi.com/1.0",
    "kimsufi-ca": "https://ca.api.kimsufi.com/1.0",
    "soyoustart-eu": "https://eu.api.soyoustart.com/1.0",
    "soyoustart-ca": "https://ca.api.soyoustart.com/1.0",
}

OAUTH2_TOKEN_URLS = {
    "ovh-eu": "https://www.ovh.com/auth/oauth2/token",
    "ovh-ca": "https://ca.ovh.com/auth/oauth2/token",
    "ovh-us": "https://us.ovhcloud.com/auth/oauth2/token",
}

CONFIG_PATHS = ("/etc/ovh.conf", "~/.ovh.conf", "./ovh.conf")

_KEYS = ("application_key", "application_secret", "consumer_key", "client_id", "client_secret")


@dataclass(frozen=True)
class Settings:
    """A resolved configuration. `endpoint` is a URL (`.../1.0` or a bare `scheme://host`)."""

    endpoint: str
    application_key: str | None = None
    application_secret: str | None = None
    consumer_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None

    @property
    def uses_oauth2(self) -> bool:
        return self.client_id is not None


def target(endpoint: str, path: str) -> str:
    """The URL of `path` as the official clients build it: `/v1` and `/v2` paths drop a `/1.0`."""
    if path.startswith(("http://", "https://")):
        return path
    if endpoint.endswith("/1.0") and path.startswith(("/v1", "/v2")):
        endpoint = endpoint[:-4]
    return endpoint.rstrip("/") + path


def _read_files(config_file: str | None) -> RawConfigParser:
    parser = RawConfigParser()
    paths = [os.path.realpath(os.path.expanduser(p)) for p in CONFIG_PATHS]
    parser.read(paths + ([config_file] if config_file else []))
    return parser


def _lookup(parser: RawConfigParser, environ: Mapping[str, str], section: str, name: str) -> str | None:
    value = environ.get(f"OVH_{name.upper()}")
    if value is None and parser.has_option(section, name):
        value = parser.get(section, name)
    return value or None


def load_settings(
    endpoint: str | None = None,
    *,
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    token_url: str | None = None,
    **keys: str | None,
) -> Settings:
    """Resolve endpoint and keys (arguments win, then `OVH_*`, then `ovh.conf`).

    `keys` are `application_key`, `application_secret`, `consumer_key`, `client_id` and
    `client_secret`. Raises ConfigurationError, as python-ovh does, when a pair is incomplete,
    when both methods or neither are configured, or when the endpoint is unknown.
    """
    unknown = set(keys) - set(_KEYS)
    if unknown:
        raise TypeError(f"unknown setting {', '.join(sorted(unknown))}")
    environ = os.environ if environ is None else environ
    parser = _read_files(config_file)
    endpoint = endpoint or _lookup(parser, environ, "default", "endpoint")
    if not endpoint:
        raise ConfigurationError(
            "no endpoint: pass one, set OVH_ENDPOINT, or write [default] endpoint=... in ovh.conf"
        )
    if endpoint in ENDPOINTS:
        url = ENDPOINTS[endpoint]
    elif urlsplit(endpoint).scheme in ("http", "https") and urlsplit(endpoint).netloc:
        url = endpoint.rstrip("/")
    else:
        raise ConfigurationError(f"unknown endpoint {endpoint!r}: use one of {', '.join(ENDPOINTS)} or a URL")
    values = {k: keys.get(k) or _lookup(parser, environ, endpoint, k) for k in _KEYS}
    if bool(values["client_id"]) != bool(values["client_secret"]):
        raise ConfigurationError("both client_id and client_secret are needed for OAuth2")
    if bool(values["application_key"]) != bool(values["application_secret"]):
        raise ConfigurationError("both application_key and application_secret are needed")
    if values["client_id"] and values["application_key"]:
        raise ConfigurationError(
            "configure either application_key/application_secret or client_id/client_secret, not both"
        )
    if not values["client_id"] and not values["application_key"]:
        raise ConfigurationError(
            f"no credentials for {endpoint}: set OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY "
            f"(or OVH_CLIENT_ID and OVH_CLIENT_SECRET), or write them in the [{endpoint}] section of ovh.conf"
        )
    if values["client_id"] and token_url is None:
        token_url = _token_url(endpoint, url)
    return Settings(endpoint=url, token_url=token_url, **values)


def _token_url(name: str, url: str) -> str:
    if name in OAUTH2_TOKEN_URLS:
        return OAUTH2_TOKEN_URLS[name]
    if name in ENDPOINTS:
        raise ConfigurationError(f"OAuth2 is not offered on {name} (only on {', '.join(OAUTH2_TOKEN_URLS)})")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/auth/oauth2/token"
