"""Schema migrations: numbered SQL files per engine, applied in order, each once.

`migrations/<engine>/NNNN_name.sql` holds the files (`sqlite`, `postgres`: the same numbers
for the same change); the table `schema_migrations` records which ran. Each engine applies each
pending migration in its own transaction with its `schema_migrations` row, so a migration is
applied whole or not at all; PostgreSQL does it under an advisory lock, so that processes
starting together do not race. A database newer than this code (a migration it does not know) is refused rather
than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["Migration", "migrations", "pending", "statements", "MigrationError"]


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(engine: str) -> list[Migration]:
    folder = resources.files(__package__).joinpath("migrations", engine)
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, name = entry.name.removesuffix(".sql").partition("_")
        found.append(Migration(int(number), name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migrations/{engine}: expected number {expected}, found {migration.version}"
            )
    return found


def pending(engine: str, applied: set[int]) -> list[Migration]:
    known = migrations(engine)
    unknown = applied - {m.version for m in known}
    if unknown:
        raise MigrationError(
            f"the database has migrations {sorted(unknown)} that this convergent does not know: "
            "it was written by a newer version"
        )
    return [m for m in known if m.version not in applied]


def statements(script: str) -> list[str]:
    """Split a migration into statements (our migrations keep `;` out of literals)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
