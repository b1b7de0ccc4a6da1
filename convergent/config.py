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

    - database: SQLite file path (or `sqlite:///path`); created on first start.
    - host, port: where `convergent serve` listens.
    - instant: simulated provisioning steps take no time (same as time_scale 0).
    - time_scale: multiplier of simulated step durations (1 realistic, 0.1 ten times faster).
    - engine: run the task engine in this process.
    - seed: draw resource and task ids from a generator with this seed (deterministic ids).
    - fixtures: a YAML or JSON file of accounts, credentials and resources loaded at start.
    - admin_token: the admin credential (generated and printed once at first start otherwise).
    """

    database: str = "convergent.db"
    host: str = "127.0.0.1"
    port: int = 8080
    instant: bool = False
    time_scale: float = 1.0
    engine: bool = True
    seed: int | None = None
    fixtures: str = ""
    admin_token: str = ""

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
        if config.time_scale < 0:
            raise ConfigError("time_scale must be >= 0")
        return config


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
