"""A throwaway PostgreSQL cluster from the machine's PostgreSQL binaries, for tests and benchmarks.

    cluster = Cluster.create()          # initdb into a temporary directory, then start
    url = cluster.create_database("t1") # postgresql://postgres@/t1?host=<socket dir>&port=...
    cluster.stop(); cluster.start()     # a database outage, on demand
    cluster.destroy()

The binaries are found with `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
The server listens on a unix socket inside the cluster's directory only (no TCP port to clash
with). initdb refuses to run as root: as root, the cluster belongs to the `postgres` user (or
the one `PGCLUSTER_USER` names) and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

__all__ = ["Cluster", "ClusterError", "bindir"]


class ClusterError(RuntimeError):
    pass


def bindir() -> str | None:
    """Where initdb and pg_ctl are, or None when PostgreSQL is not installed."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and os.path.exists(os.path.join(found, "initdb")):
            return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return os.path.dirname(candidates[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


# Fast and unsafe on a crash: right for a cluster thrown away after the run.
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class Cluster:
    def __init__(self, root: str, bin: str, user: str | None, port: int, settings: dict[str, str]):
        self.root = root
        self.data = os.path.join(root, "data")
        self.socket = root
        self.bin = bin
        self.user = user  # the OS user the server runs as, when we are root
        self.port = port
        self.settings = settings
        self.log = os.path.join(root, "server.log")

    @classmethod
    def create(
        cls, *, durable: bool = False, port: int = 5432, settings: dict[str, str] | None = None
    ) -> Cluster:
        """initdb a new cluster in a temporary directory and start it. `durable` keeps fsync
        and synchronous commits on (benchmarks); otherwise they are off (tests)."""
        found = bindir()
        if found is None:
            raise ClusterError(
                "PostgreSQL is not installed (no pg_config, no /usr/lib/postgresql/*/bin/initdb)"
            )
        user = None
        if os.geteuid() == 0:
            user = os.environ.get("PGCLUSTER_USER", "postgres")
            try:
                pwd.getpwnam(user)
            except KeyError:
                raise ClusterError(
                    f"running as root, and there is no user {user!r} to run PostgreSQL as"
                ) from None
        root = tempfile.mkdtemp(prefix="convergent-pg-")
        os.chmod(root, 0o755)
        if user:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        merged = {
            "max_connections": "300",
            "listen_addresses": "''",
            **({} if durable else FAST),
            **(settings or {}),
        }
        cluster = cls(root, found, user, port, merged)
        try:
            cluster._run(
                "initdb",
                "-D",
                cluster.data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _command(self, program: str, *args: str) -> list[str]:
        argv = [os.path.join(self.bin, program), *args]
        return ["runuser", "-u", self.user, "--", *argv] if self.user else argv

    def _run(self, program: str, *args: str) -> str:
        done = subprocess.run(self._command(program, *args), capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise ClusterError(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            )
        return done.stdout

    def start(self) -> None:
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        options += f" -k {self.socket} -p {self.port}"
        try:
            self._run("pg_ctl", "start", "-w", "-t", "30", "-D", self.data, "-l", self.log, "-o", options)
        except ClusterError as error:
            raise ClusterError(f"{error}\n{self.server_log()}") from None

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-D", self.data, "-m", mode)

    def running(self) -> bool:
        done = subprocess.run(self._command("pg_ctl", "status", "-D", self.data), capture_output=True)
        return done.returncode == 0

    def server_log(self) -> str:
        try:
            with open(self.log) as log:
                return log.read()[-4000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}&port={self.port}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self._run(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.socket,
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            statement,
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def destroy(self) -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self.stop("immediate")
            except ClusterError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
