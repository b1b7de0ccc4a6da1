"""Schema migrations: numbered SQL files per engine, applied in order, each once.

`migrations/<engine>/NNNN_name.sql` holds the files; the table `schema_migrations` records
which ran. A database newer than this code (a migration it does not know) is refused rather
than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["Migration", "migrations", "MigrationError"]


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
            raise MigrationError(f"migrations/{engine}: expected number {expected}, found {migration.version}")
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
