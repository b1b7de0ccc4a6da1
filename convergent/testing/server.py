"""A `convergent serve` process for a test session: a free port, a database of its own (SQLite in
a temporary folder, or a PostgreSQL URL), a known admin credential; or a server already running
elsewhere (a CI service), reached by URL and admin token."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .admin import Admin

__all__ = ["SessionServer", "free_port", "CLOCKS"]

CLOCKS = ("instant", "realistic", "scaled", "manual")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SessionServer:
    """A server a test session talks to: `url`, `admin` (the admin controls), `stop()`.

    `SessionServer.start(...)` runs one; `SessionServer.attach(url, token)` uses one that runs.
    python-ovh reaches it as the endpoint named `endpoint` (the plugin registers it)."""

    endpoint = "convergent"

    def __init__(self, url: str, admin_token: str, proc=None, folder=None, log=None):
        self.url = url
        self.admin_token = admin_token
        self.admin = Admin.connect(url, admin_token)
        self._proc, self._folder, self._log = proc, folder, log

    @classmethod
    def attach(cls, url: str, admin_token: str) -> SessionServer:
        server = cls(url.rstrip("/"), admin_token)
        server.admin.health()  # fails now, clearly, if the URL or the token is wrong
        return server

    @classmethod
    def start(
        cls, *, clock: str = "instant", time_scale: float | None = None, database: str = "sqlite"
    ) -> SessionServer:
        """`database`: "sqlite" (a file in a temporary folder) or a postgresql:// URL (a database
        of the session's own: the server migrates it)."""
        if clock not in CLOCKS:
            raise ValueError(f"clock {clock!r}: one of {', '.join(CLOCKS)}")
        folder = tempfile.TemporaryDirectory(prefix="convergent-session-")
        url = str(Path(folder.name) / "convergent.db") if database == "sqlite" else database
        token = "cva_" + secrets.token_urlsafe(24)
        port = free_port()
        args = [sys.executable, "-m", "convergent", "serve", "--port", str(port), "--database", url]
        args += ["--admin-token", token]
        if clock == "scaled":
            args += ["--time-scale", str(time_scale if time_scale is not None else 0.1)]
        else:
            args += ["--instant" if clock == "instant" else "--realistic"]
        log = open(Path(folder.name) / "server.log", "wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        server = cls(f"http://127.0.0.1:{port}", token, proc, folder, log)
        try:
            server._wait_until_up()
            if clock == "manual":
                server.admin.clock("manual")
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                self.admin.health()
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"convergent serve did not start:\n{self.log_text()}")

    def log_text(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.admin.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._log is not None:
            self._log.close()
        if self._folder is not None:
            self._folder.cleanup()
