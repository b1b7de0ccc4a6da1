"""The admin controls of a convergent server, as a test calls them: the clock, faults, snapshots,
orders and credentials. One class over any httpx transport: a socket (`Admin.connect(url,
token)`) or an in-process app (the mock)."""

from __future__ import annotations

import httpx

__all__ = ["Admin", "AdminError"]


class AdminError(RuntimeError):
    """An admin call refused: `status` and the server's error body."""

    def __init__(self, status: int, body):
        self.status, self.body = status, body
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"admin call answered {status}: {message}")


class Admin:
    """`/admin` of one server. Every method is one call and returns its JSON answer."""

    def __init__(self, http: httpx.Client):
        self.http = http

    @classmethod
    def connect(cls, url: str, token: str, transport: httpx.BaseTransport | None = None) -> Admin:
        return cls(
            httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, transport=transport, timeout=30
            )
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body=None):
        response = self.http.request(method, path, json=body)
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = response.text
            raise AdminError(response.status_code, detail)
        return response.json() if response.content else None

    def health(self) -> dict:
        return self._call("GET", "/admin/health")

    # --- time ------------------------------------------------------------------------------------

    def clock(self, mode: str | None = None, scale: float | None = None) -> dict:
        """The clock's settings; with `mode` (realistic, scaled, instant, manual), set them first."""
        if mode is None:
            return self._call("GET", "/admin/clock")
        return self._call("PUT", "/admin/clock", {"mode": mode, "scale": scale})

    def advance(self, seconds: float) -> dict:
        """Manual time moves on by `seconds` (steps due by then run)."""
        return self._call("POST", "/admin/clock/advance", {"seconds": seconds})

    # --- faults ----------------------------------------------------------------------------------

    def fail_operation(
        self,
        operation: str,
        status: int = 500,
        cls: str | None = None,
        message: str = "Injected fault",
        count=1,
    ) -> dict:
        """The next `count` calls of `operation` ('PUT /v2/...{rancherId}') answer `status`/`cls`."""
        rule = {"type": "operation", "operation": operation, "status": status, "message": message}
        if cls:
            rule["class"] = cls
        return self._call("POST", "/admin/fault", {**rule, "count": count})

    def fail_task(self, kind: str, step: str, message: str = "Injected fault", count: int = 1) -> dict:
        """The next `count` tasks of `kind` ('publicCloud.rancher') fail at `step`."""
        rule = {"type": "task", "kind": kind, "step": step, "message": message, "count": count}
        return self._call("POST", "/admin/fault", rule)

    def faults(self) -> list[dict]:
        return self._call("GET", "/admin/fault")

    def clear_faults(self) -> None:
        self._call("DELETE", "/admin/fault")

    # --- state -----------------------------------------------------------------------------------

    def snapshot(self) -> dict:
        return self._call("GET", "/admin/snapshot")

    def restore(self, snapshot: dict) -> None:
        self._call("PUT", "/admin/snapshot", snapshot)

    def reset(self, account: str | None = None) -> None:
        self._call("POST", "/admin/reset", {"account": account})

    def seed(self, seed: int | None) -> None:
        self._call("PUT", "/admin/seed", {"seed": seed})

    def provision(self, product: str, account: str) -> list[dict]:
        """Deliver an order (vrackServices, vmwareCloudDirector, ...) READY to `account`."""
        return self._call("POST", f"/admin/provision/{product}", {"account": account})

    def deprecate(
        self, section: str, major: int, deprecated: str = "2000-01-01", sunset: str | None = None
    ) -> dict:
        """Announce `major` of `section` deprecated (since `deprecated`, ISO date; until `sunset`):
        its answers carry Deprecation, Sunset and Link from now on. `deprecated=None`: as declared."""
        return self._call(
            "PUT", f"/admin/schemasVersion/{section}/{major}", {"deprecated": deprecated, "sunset": sunset}
        )

    def credential(self, account: str, oauth2: bool = False) -> dict:
        """A validated key for `account`'s owner (applicationKey, applicationSecret, consumerKey),
        or with `oauth2` a service account (clientId, clientSecret) granted ovh-admin."""
        return self._call("POST", "/admin/credential", {"account": account, "oauth2": oauth2})
