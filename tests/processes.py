"""Real `convergent serve` processes for the slow suites: start, wait until they answer, stop."""

import json
import signal
import socket
import subprocess
import sys
import time

import httpx

from convergent.client import OvhSignature


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database, *args, env=None):
        self.port = free_port()
        tls = "--tls" in args or "--certfile" in args
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log = open(f"{database}.{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "convergent",
                "serve",
                "--port",
                str(self.port),
                "--database",
                str(database),
                *args,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/v2/", timeout=0.5, verify=False)  # up, whoever signed the cert
                return
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        raise RuntimeError(f"server did not start: {self.read_log()}")

    def read_log(self) -> str:
        """What the server printed so far (its first start announces credentials there)."""
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self, sig=signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def credential(database) -> dict:
    """A validated credential made with the command line, as a script would: `applicationKey`,
    `applicationSecret`, `consumerKey`, `endpoint`."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "convergent",
            "credential",
            "create",
            "--account",
            "xx1111-ovh",
            "--database",
            str(database),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def signed(database) -> OvhSignature:
    issued = credential(database)
    return OvhSignature(issued["applicationKey"], issued["applicationSecret"], issued["consumerKey"])


def wait_for(predicate, timeout=20.0, what="condition"):
    """The first true value `predicate()` gives within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached in {timeout} s")
