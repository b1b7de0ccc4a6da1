"""The admin surface under `/admin`, for tests that drive the emulator. Every route needs the
admin credential: `Authorization: Bearer <admin token>`.

| route | what |
|---|---|
| `GET /admin/health` | for load balancers, no credential: database reachable, migrations current, engines alive (200, else 503); with it, also the effective configuration and capabilities |
| `GET /metrics` | Prometheus text format (api/observe.py); open to all with `--metrics-public` |
| `GET, PUT /admin/clock` | the clock: `{"mode": realistic|scaled|instant|manual, "scale"}` |
| `POST /admin/clock/advance` | `{"seconds": N}`: manual time moves on |
| `GET, POST, DELETE /admin/fault`, `DELETE /admin/fault/{id}` | injected faults (engine/faults.py) |
| `POST /admin/reset` | `{"account": NIC}`, or `{}` for everything |
| `PUT /admin/seed` | `{"seed": N}`: ids drawn from a seeded generator from now on (null: random) |
| `POST /admin/provision/{product}` | `{"account": NIC}`: deliver an order, READY |
| `GET, PUT /admin/snapshot` | the whole state, as JSON (download and load) |
| `POST /admin/credential` | `{"account": NIC, "oauth2": false}`: a validated key (or a service account) for NIC, created when missing |
| `PUT /admin/schemasVersion/{section}/{major}` | `{"deprecated": DATE, "sunset": DATE}`: answers of that major carry the deprecation headers of these dates (this process; null `deprecated`: as declared) |
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from datetime import date

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from .. import __version__
from ..api.observe import engines_alive, render
from ..api.responses import json_response
from ..api.table import Table
from ..auth import accounts
from ..engine.faults import FaultRule
from ..errors import ApiError
from ..runtime import Runtime
from . import clock as clock_admin
from . import snapshot
from .token import admin_token_matches

__all__ = ["add_admin"]

_CAPABILITIES = [
    "ovhSignatures",
    "oauth2ClientCredentials",
    "iamPolicies",
    "schemasVersions",
    "cursorPagination",
    "manualClock",
    "faultInjection",
    "reset",
    "seededIds",
    "fixtures",
    "snapshots",
    "orders",
    "credentials",
    "announcedDeprecations",
]


class ClockChange(msgspec.Struct, forbid_unknown_fields=True):
    mode: str
    scale: float | None = None


class Advance(msgspec.Struct, forbid_unknown_fields=True):
    seconds: float


class AccountRef(msgspec.Struct, forbid_unknown_fields=True):
    account: str | None = None


class Seed(msgspec.Struct, forbid_unknown_fields=True):
    seed: int | None


class CredentialRequest(msgspec.Struct, forbid_unknown_fields=True):
    account: str
    oauth2: bool = False


class Lifecycle(msgspec.Struct, forbid_unknown_fields=True):
    deprecated: date | None = None
    sunset: date | None = None


async def _body(request: Request, type_):
    raw = await request.body()
    try:
        return msgspec.json.decode(raw or b"{}", type=type_)
    except msgspec.ValidationError as error:
        raise ApiError.invalid_field("body", str(error)) from None
    except msgspec.DecodeError:
        raise ApiError.invalid_json() from None


def add_admin(table: Table, ctx: Runtime) -> None:
    store, clock = ctx.store, ctx.clock

    async def is_admin(request: Request) -> bool:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() != "bearer ":
            return False
        if not await admin_token_matches(store, authorization[7:].strip()):
            raise ApiError(
                403, "Client::Forbidden::InvalidAdminCredential", "This admin credential is not valid"
            )
        return True

    def guarded(handler, public=False):
        async def endpoint(request: Request, params: dict[str, str]) -> Response:
            admin = await is_admin(request)
            if not admin and not public:
                raise ApiError(
                    401,
                    "Client::Unauthorized::AdminCredentialRequired",
                    "The admin surface needs the admin credential",
                )
            request.scope["convergent.admin"] = admin
            result = await handler(request, params)
            return result if isinstance(result, Response) else json_response(result)

        return endpoint

    async def checks() -> dict:
        try:
            behind = await store.migrations_behind()
            database = {"status": "ok"}
            migrations = {"status": "ok" if behind == 0 else "behind", "missing": behind}
        except Exception as error:  # unreachable, or a broken schema: either way not serving
            database = {"status": "unreachable", "message": str(error)}
            migrations = {"status": "unknown"}
        alive, running = engines_alive(ctx)
        engines = {"status": "ok" if alive == running else "stalled", "running": running, "alive": alive}
        return {"database": database, "migrations": migrations, "engines": engines}

    async def health(request, params):
        found = await checks()
        healthy = all(check["status"] == "ok" for check in found.values())
        answer = {"status": "ok" if healthy else "unhealthy", "checks": found}
        if request.scope["convergent.admin"]:
            answer |= await details()
        return json_response(answer, status=200 if healthy else 503)

    async def metrics(request, params):
        if not (ctx.config.metrics_public or request.scope["convergent.admin"]):
            raise ApiError(
                401,
                "Client::Unauthorized::AdminCredentialRequired",
                "/metrics needs the admin credential (or the server's --metrics-public)",
            )
        return Response(await render(ctx, ctx.metrics), media_type="text/plain; version=0.0.4; charset=utf-8")

    async def details() -> dict:
        config = asdict(ctx.config)
        config["admin_token"] = "***" if config["admin_token"] else ""
        return {
            "version": __version__,
            "database": store.url.split("://", 1)[0],
            "config": config,
            "clock": clock.settings(),
            "sections": [
                {
                    "name": s.name,
                    "branch": s.branch,
                    "kinds": [k.key for k in s.kinds],
                    "versions": s.offered(clock.today()) if s.branch == "v2" else [],
                }
                for s in ctx.sections
            ],
            "products": sorted(ctx.products()),
            "faults": len(await ctx.faults.rules()),
            "capabilities": _CAPABILITIES,
        }

    async def get_clock(request, params):
        return clock.settings()

    async def put_clock(request, params):
        change = await _body(request, ClockChange)
        settings = await clock_admin.set_clock(store, clock, change.mode, change.scale)
        ctx.engine.wake()
        return settings

    async def advance(request, params):
        seconds = (await _body(request, Advance)).seconds
        settings = await clock_admin.advance(store, clock, seconds, ctx.engine.settle)
        ctx.engine.wake()
        return settings

    async def list_faults(request, params):
        return [ctx.faults.view(item) for item in await ctx.faults.rules()]

    async def add_fault(request, params):
        return await ctx.faults.add(await _body(request, FaultRule))

    async def clear_faults(request, params):
        armed = await ctx.faults.rules()
        await ctx.faults.clear()
        return {"cleared": len(armed)}

    async def remove_fault(request, params):
        await ctx.faults.remove(params["faultId"])
        return {"removed": params["faultId"]}

    async def reset(request, params):
        ref = await _body(request, AccountRef)
        if ref.account is not None and await store.get_item(accounts.ACCOUNT, ref.account) is None:
            raise ApiError.not_found("AccountNotFound", f"Account '{ref.account}' does not exist")
        await store.reset(ref.account)
        return {"reset": ref.account or "everything"}

    async def seed(request, params):
        ctx.changes.reseed((await _body(request, Seed)).seed)
        return {"seeded": True}

    async def order(request, params):
        ref = await _body(request, AccountRef)
        if not ref.account:
            raise ApiError.invalid_field("account", "the account (nic) to deliver to")
        try:
            return await ctx.provision(params["product"], ref.account)
        except LookupError as error:
            raise ApiError.not_found("ProductNotFound", str(error)) from None

    async def credential(request, params):
        wanted = await _body(request, CredentialRequest)
        now = time.time()
        if wanted.oauth2:
            return await accounts.issue_service_account(store, wanted.account, now)
        issued = await accounts.issue_credential(store, wanted.account, now)
        return issued.as_json(f"{request.url.scheme}://{request.url.netloc}")

    async def announce(request, params):
        wanted = await _body(request, Lifecycle)
        section = next((s for s in ctx.sections if s.name == params["section"] and s.branch == "v2"), None)
        if section is None:
            raise ApiError.not_found("SectionNotFound", f"No /v2 section {params['section']!r}")
        major = section.major(int(params["major"])) if params["major"].isdigit() else None
        if major is None:
            raise ApiError.invalid_parameter("major", f"a major {section.name} serves")
        if wanted.deprecated and wanted.sunset and wanted.sunset < wanted.deprecated:
            raise ApiError.invalid_field("sunset", "on or after the deprecation date")
        key = (section.name, major.number)
        if wanted.deprecated is None:
            ctx.announced.pop(key, None)
        else:
            ctx.announced[key] = replace(major, deprecated=wanted.deprecated, sunset=wanted.sunset)
        shown = ctx.announced.get(key, major)
        return {
            "section": section.name,
            "major": major.number,
            "deprecated": shown.deprecated.isoformat() if shown.deprecated else None,
            "sunset": shown.sunset.isoformat() if shown.sunset else None,
        }

    async def download(request, params):
        return await snapshot.save(store)

    async def upload(request, params):
        raw = await request.body()
        try:
            content = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise ApiError.invalid_json() from None
        await snapshot.load(store, content)
        ctx.engine.wake()
        return {"loaded": True}

    routes = [
        ("GET", "/admin/health", health),
        ("GET", "/metrics", metrics),
        ("GET", "/admin/clock", get_clock),
        ("PUT", "/admin/clock", put_clock),
        ("POST", "/admin/clock/advance", advance),
        ("GET", "/admin/fault", list_faults),
        ("POST", "/admin/fault", add_fault),
        ("DELETE", "/admin/fault", clear_faults),
        ("DELETE", "/admin/fault/{faultId}", remove_fault),
        ("POST", "/admin/reset", reset),
        ("PUT", "/admin/seed", seed),
        ("POST", "/admin/provision/{product}", order),
        ("POST", "/admin/credential", credential),
        ("PUT", "/admin/schemasVersion/{section}/{major}", announce),
        ("GET", "/admin/snapshot", download),
        ("PUT", "/admin/snapshot", upload),
    ]
    for method, path, handler in routes:
        # Health and metrics decide for themselves what a caller without the credential sees.
        table.add(method, path, guarded(handler, public=path in ("/admin/health", "/metrics")))
