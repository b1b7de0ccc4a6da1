"""Server settings: from the command line, else `CONVERGENT_*` variables, else defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

__all__ = ["Config", "ConfigError"]


class ConfigError(ValueError):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Config:
    """Every setting, with its environment variable in `CONVERGENT_<NAME>`.

    - database: SQLite file path (or `sqlite:///path`), created on first start; or a
      PostgreSQL URL `postgresql://user:password@host:port/dbname` (needs `convergent[postgres]`).
    - host, port: where `convergent serve` listens.
    - instant: simulated provisioning steps take no time (same as time_scale 0).
    - time_scale: multiplier of simulated step durations (1 realistic, 0.1 ten times faster).
    - workers: task engines `convergent serve` runs in its process (0: API only; more than 1
      needs PostgreSQL). `convergent worker` runs one.
    - lease: seconds an engine's claim on a task lasts unless renewed; after a worker dies,
      its tasks wait this long before another worker takes them over.
    - poll: seconds an idle engine waits at most before looking for due tasks again (new tasks
      wake it at once in its own process, and through LISTEN/NOTIFY on PostgreSQL).
    - pool_size: PostgreSQL connections a process keeps at most.
    - sections: extra sections to serve beside the built-in ones, comma-separated
      `module:attribute` names of `Section` declarations.
    - seed: draw resource and task ids from a generator with this seed (deterministic ids).
    - fixtures: a YAML or JSON file of accounts, credentials and resources loaded at start.
    - admin_token: the admin credential (generated and printed once at first start otherwise).
    - max_body: bytes a request body may have (413 beyond, counted while it is read).
    - login_delay: seconds the sixth failed login in a row (per account, and per client address)
      waits; each further failure doubles it, up to 30 s.
    - login_lockout_at: the attempt refused (429 with Retry-After) after that many failures in
      a row minus one, for login_lockout seconds.
    - login_lockout: seconds a lockout lasts (and failures are remembered).
    - max_header: bytes the request line and headers may have (431 beyond).
    - header_timeout: seconds a client has to send its request line and headers (then closed).
    - max_connections: connections served at once (503 beyond).
    - tls: serve HTTPS with a local CA and a certificate for localhost made once and kept
      (convergent/tls.py); certfile and keyfile: serve HTTPS with these instead.
    - log_format: `text`, or `json` (one object per line, an access line per request).
    - metrics_public: `/metrics` answers without the admin credential.
    """

    database: str = "convergent.db"
    host: str = "127.0.0.1"
    port: int = 8080
    instant: bool = False
    time_scale: float = 1.0
    workers: int = 1
    lease: float = 30.0
    poll: float = 1.0
    pool_size: int = 10
    sections: str = ""
    seed: int | None = None
    fixtures: str = ""
    admin_token: str = ""
    max_body: int = 1 << 20
    login_delay: float = 0.5
    login_lockout_at: int = 20
    login_lockout: float = 900.0
    max_header: int = 16384
    header_timeout: float = 10.0
    max_connections: int = 1000
    tls: bool = False
    certfile: str = ""
    keyfile: str = ""
    log_format: str = "text"
    metrics_public: bool = False

    @property
    def effective_time_scale(self) -> float:
        return 0.0 if self.instant else self.time_scale

    @classmethod
    def from_env(cls, environ=os.environ, **overrides) -> Config:
        known = {f"CONVERGENT_{f.name.upper()}" for f in fields(cls)}
        unknown = sorted(k for k in environ if k.startswith("CONVERGENT_") and k not in known)
        if unknown:
            raise ConfigError(f"unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = {}
        for f in fields(cls):
            raw = environ.get(f"CONVERGENT_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        if self.time_scale < 0:
            raise ConfigError("time_scale must be >= 0")
        if self.workers < 0:
            raise ConfigError("workers must be >= 0")
        if self.lease <= 0 or self.poll <= 0:
            raise ConfigError("lease and poll must be > 0 seconds")
        if self.pool_size < 1:
            raise ConfigError("pool_size must be >= 1")
        if self.max_body < 1 or self.max_header < 1024 or self.max_connections < 1:
            raise ConfigError("max_body must be >= 1, max_header >= 1024 and max_connections >= 1")
        if self.login_delay < 0 or self.login_lockout < 0 or self.login_lockout_at < 2:
            raise ConfigError("login_delay and login_lockout must be >= 0, login_lockout_at >= 2")
        if self.header_timeout <= 0:
            raise ConfigError("header_timeout must be > 0 seconds")
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"log_format must be text or json, not {self.log_format!r}")
        if bool(self.certfile) != bool(self.keyfile):
            raise ConfigError("certfile and keyfile go together")


def _parse(name: str, type_name: str, raw: str):
    try:
        if type_name == "bool":
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        if type_name in ("int", "int | None"):
            return int(raw)
        if type_name == "float":
            return float(raw)
        return raw
    except ValueError:
        raise ConfigError(f"CONVERGENT_{name.upper()}: cannot read {raw!r} as {type_name}") from None
