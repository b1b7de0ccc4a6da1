"""The `convergent` command. `convergent --help` and `convergent COMMAND --help` are the reference."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Annotated

import typer

from .config import Config, ConfigError

app = typer.Typer(
    help="convergent: a resource-centric cloud control-plane API server (OVHcloud API v2 principles).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # click's plain help: paragraphs re-flowed, "[env: ...; default ...]" shown as written
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLite file (created on first start) or postgresql://user:password@host:port/dbname "
        "[env: CONVERGENT_DATABASE; default ./convergent.db]",
    ),
]
InstantOption = Annotated[
    bool | None,
    typer.Option(
        "--instant/--realistic",
        help="Simulated provisioning steps take no time [env: CONVERGENT_INSTANT; default realistic]",
    ),
]
TimeScaleOption = Annotated[
    float | None,
    typer.Option(
        help="Multiply simulated step durations (1 realistic, 0.1 ten times faster) [env: CONVERGENT_TIME_SCALE; default 1]"
    ),
]
LeaseOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds a claim on a task lasts unless renewed (a dead worker's tasks wait this long) [env: CONVERGENT_LEASE; default 30]"
    ),
]
PollOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds an idle engine waits at most before looking for due tasks [env: CONVERGENT_POLL; default 1]"
    ),
]
PoolOption = Annotated[
    int | None,
    typer.Option(
        help="PostgreSQL connections this process keeps at most [env: CONVERGENT_POOL_SIZE; default 10]"
    ),
]
SectionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--section",
        help="Also serve this section, module:attribute of a Section; repeat [env: CONVERGENT_SECTIONS, comma-separated; default none]",
    ),
]


def _sections(section: list[str] | None) -> str | None:
    return ",".join(section) if section else None


def _config(**overrides) -> Config:
    try:
        return Config.from_env(**overrides)
    except ConfigError as error:
        raise typer.BadParameter(str(error)) from None


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [env: CONVERGENT_HOST; default 127.0.0.1]")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [env: CONVERGENT_PORT; default 8080]")
    ] = None,
    database: DatabaseOption = None,
    instant: InstantOption = None,
    time_scale: TimeScaleOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Task engines in this process: 0 serves the API only (run `convergent worker`s); more than 1 needs PostgreSQL [env: CONVERGENT_WORKERS; default 1]"
        ),
    ] = None,
    lease: LeaseOption = None,
    poll: PollOption = None,
    pool_size: PoolOption = None,
    section: SectionOption = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Draw ids from a generator with this seed [env: CONVERGENT_SEED; default random ids]"
        ),
    ] = None,
    fixtures: Annotated[
        str | None,
        typer.Option(
            help="YAML or JSON file loaded into a new database [env: CONVERGENT_FIXTURES; default none]"
        ),
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(
            help="The admin credential [env: CONVERGENT_ADMIN_TOKEN; default made and printed once at first start]"
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            help="Log every request in uvicorn's format (see --log-format json for structured lines) [default off]",
            show_default=False,
        ),
    ] = False,
    tls: Annotated[
        bool | None,
        typer.Option(
            "--tls",
            help="Serve HTTPS with a local CA and a certificate for localhost, made once and kept; prints how to trust it [env: CONVERGENT_TLS; default off: plain HTTP]",
        ),
    ] = None,
    certfile: Annotated[
        str | None,
        typer.Option(help="Serve HTTPS with this certificate (PEM) [env: CONVERGENT_CERTFILE; default none]"),
    ] = None,
    keyfile: Annotated[
        str | None, typer.Option(help="The key of --certfile (PEM) [env: CONVERGENT_KEYFILE; default none]")
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            help="text, or json: one object per line and an access line per request [env: CONVERGENT_LOG_FORMAT; default text]"
        ),
    ] = None,
    metrics_public: Annotated[
        bool | None,
        typer.Option(
            "--metrics-public",
            help="GET /metrics answers without the admin credential [env: CONVERGENT_METRICS_PUBLIC; default off]",
        ),
    ] = None,
    max_body: Annotated[
        int | None,
        typer.Option(
            help="Bytes a request body may have (413 beyond) [env: CONVERGENT_MAX_BODY; default 1048576]"
        ),
    ] = None,
    login_delay: Annotated[
        float | None,
        typer.Option(
            help="Seconds the 6th failed login in a row waits, doubling after each failure [env: CONVERGENT_LOGIN_DELAY; default 0.5]"
        ),
    ] = None,
    login_lockout_at: Annotated[
        int | None,
        typer.Option(
            help="The login attempt refused with 429 after failures in a row [env: CONVERGENT_LOGIN_LOCKOUT_AT; default 20]"
        ),
    ] = None,
    login_lockout: Annotated[
        float | None,
        typer.Option(help="Seconds a login lockout lasts [env: CONVERGENT_LOGIN_LOCKOUT; default 900]"),
    ] = None,
    max_header: Annotated[
        int | None,
        typer.Option(
            help="Bytes of request line and headers (431 beyond) [env: CONVERGENT_MAX_HEADER; default 16384]"
        ),
    ] = None,
    header_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a client has to send its request line and headers [env: CONVERGENT_HEADER_TIMEOUT; default 10]"
        ),
    ] = None,
    max_connections: Annotated[
        int | None,
        typer.Option(
            help="Connections served at once (503 beyond) [env: CONVERGENT_MAX_CONNECTIONS; default 1000]"
        ),
    ] = None,
) -> None:
    """Serve the API, and by default the task engine, in one process.

    On SQLite that is the whole server. On PostgreSQL run any number of these behind a load
    balancer (with --workers 0: API only) and any number of `convergent worker`."""
    import uvicorn

    from .api.protocol import limited_protocol
    from .runtime import section_list
    from .server import create_app
    from .store import redact

    config = _config(
        host=host,
        port=port,
        database=database,
        instant=instant,
        time_scale=time_scale,
        workers=workers,
        lease=lease,
        poll=poll,
        pool_size=pool_size,
        sections=_sections(section),
        seed=seed,
        fixtures=fixtures,
        admin_token=admin_token,
        max_body=max_body,
        login_delay=login_delay,
        login_lockout_at=login_lockout_at,
        login_lockout=login_lockout,
        max_header=max_header,
        header_timeout=header_timeout,
        max_connections=max_connections,
        tls=tls,
        certfile=certfile,
        keyfile=keyfile,
        log_format=log_format,
        metrics_public=metrics_public,
    )
    try:
        sections = section_list(config)  # once: the first start and the app serve the same ones
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    listening = _bind(config.host, config.port)  # an address in use is said before anything else
    certificates = _certificates(config)
    following = _announce_first_start(config, sections)
    engines = f"{config.workers} task engine(s)" if config.workers else "no task engine"
    clock = (
        f"following the clock of {following}, which serves this database"
        if following
        else f"step time x{config.effective_time_scale:g}"
    )
    typer.echo(
        f"convergent serving {_endpoint(config)}/v2 on {redact(config.database)} "
        f"with {engines} ({clock}); Ctrl-C stops",
        err=True,
    )
    if certificates is not None and certificates.cafile:
        from .tls import trust_hints

        typer.echo(trust_hints(certificates.cafile), err=True)
    try:
        app = create_app(config, sections)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    settings = uvicorn.Config(
        app,
        access_log=access_log and config.log_format == "text",
        log_level="info" if access_log else "warning",
        log_config=None if config.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        timeout_graceful_shutdown=10,
        http=limited_protocol(config.max_header, config.header_timeout),
        limit_concurrency=config.max_connections,
        ssl_certfile=certificates and certificates.certfile,
        ssl_keyfile=certificates and certificates.keyfile,
    )
    if config.log_format == "json":
        _json_logging()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, exit 0 (as uvicorn.run does)
        uvicorn.Server(settings).run(sockets=[listening])


def _bind(host: str, port: int):
    """The listening socket, bound now: a port in use stops `serve` before it claims to serve."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        typer.echo(f"convergent: cannot listen on {host}: {error.strerror}", err=True)
        raise typer.Exit(2) from None
    listening = socket.socket(family, kind, proto)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
    except OSError as error:
        listening.close()
        why = (
            "is already in use (another convergent serve?); choose another with --port"
            if error.errno == errno.EADDRINUSE
            else f"cannot be listened on: {error.strerror}"
        )
        typer.echo(f"convergent: {host}:{port} {why}", err=True)
        raise typer.Exit(2) from None
    listening.listen(2048)  # calls made from now on wait in the backlog until the app serves them
    listening.set_inheritable(True)
    return listening


def _certificates(config: Config):
    from .tls import Certificates, ensure_certificates

    if config.certfile:
        for path in (config.certfile, config.keyfile):
            if not os.path.isfile(path):
                raise typer.BadParameter(f"{path}: no such file")
        return Certificates(config.certfile, config.keyfile, None)
    if config.tls:
        return ensure_certificates(config.host)
    return None


def _json_logging() -> None:
    import logging
    import sys

    from .api.observe import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("convergent.access").setLevel(logging.INFO)


def _endpoint(config: Config) -> str:
    scheme = "https" if config.tls or config.certfile else "http"
    host = f"[{config.host}]" if ":" in config.host else config.host
    return f"{scheme}://{host}:{config.port}"


def _unreachable(config: Config, error: Exception) -> int:
    from .store import redact

    typer.echo(f"convergent: {redact(config.database)}: {error}", err=True)
    return 3


def _run_with_store(config: Config, work):
    """Open the store, run `await work(store)`, close; exit 3 when the database is unreachable."""
    from .store import StoreUnavailable, open_store

    async def run():
        store = open_store(config.database, pool_size=1)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except StoreUnavailable as error:
        raise typer.Exit(_unreachable(config, error)) from None
    except ImportError as error:
        typer.echo(f"convergent: {error}", err=True)
        raise typer.Exit(2) from None


def _announce_first_start(config: Config, sections) -> str | None:
    """On a new database: the admin credential, then the fixtures or a default account. Returns
    the process whose clock this one will follow, if another live process serves the database."""
    from .admin.fixtures import load_fixtures
    from .admin.token import ensure_admin_token
    from .auth import accounts
    from .auth.bootstrap import first_start, snippet
    from .runtime import Runtime

    following: list[str | None] = []

    async def run():
        ctx = Runtime.build(config, sections)
        await ctx.start()
        try:
            following.append(ctx.clock.following)
            token = await ensure_admin_token(ctx.store, config.admin_token)
            fresh = not await ctx.store.any_item(accounts.ACCOUNT)
            if config.fixtures:
                if fresh:
                    await load_fixtures(ctx, config.fixtures)
                return token, None, fresh
            return token, await first_start(ctx.store, ctx.clock.now()), fresh
        finally:
            await ctx.stop()

    from .store import StoreUnavailable

    try:
        token, created, fresh = asyncio.run(run())
    except StoreUnavailable as error:
        raise typer.Exit(_unreachable(config, error)) from None
    except (OSError, ValueError, KeyError) as error:
        raise typer.BadParameter(f"fixtures {config.fixtures}: {error}") from None
    if token:
        typer.echo(f"Admin credential (shown once, keep it): Authorization: Bearer {token}", err=True)
    if config.fixtures:
        typer.echo(
            f"Fixtures {config.fixtures}: {'loaded' if fresh else 'skipped: the database is not new'}",
            err=True,
        )
    if created is None:
        return following[0]
    issued, password = created
    endpoint = _endpoint(config)
    typer.echo(
        f"""First start: created account {issued.account} (shown once, keep it):
  owner password      {password}
  application key     {issued.application_key}
  application secret  {issued.application_secret}
  consumer key        {issued.consumer_key}   (validated, all routes)

python-ovh:
{snippet(issued, endpoint)}
""",
        err=True,
    )
    return following[0]


credential_app = typer.Typer(help="API credentials.", no_args_is_help=True)
app.add_typer(credential_app, name="credential")


@credential_app.command("create")
def credential_create(
    account: Annotated[str, typer.Option(help="Account (nic) the credential acts as; created when missing")],
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rule", help="Access rule 'METHOD /path' ('*' for any rest); repeat; default: all routes"
        ),
    ] = None,
    oauth2: Annotated[
        bool,
        typer.Option(
            "--oauth2",
            help="A service account instead (client id and secret for Bearer tokens), with a policy granting ovh-admin on every resource of ACCOUNT",
        ),
    ] = False,
    database: DatabaseOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            help="The server's URL printed with the credential [default: from CONVERGENT_HOST, CONVERGENT_PORT and CONVERGENT_TLS, else http://127.0.0.1:8080]"
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
    shell: Annotated[
        bool,
        typer.Option(
            "--shell",
            help='Print `export OVH_...=...` for eval "$(convergent credential create ... --shell)": the variables convergent\'s client and CLI, python-ovh and Terraform read',
        ),
    ] = False,
) -> None:
    """Create an application and a validated consumer key for ACCOUNT (or, with --oauth2, a
    service account), and print them with the endpoint to use them on."""
    import json
    import time

    from .auth import accounts
    from .errors import ApiError

    parsed = []
    for rule in rules or []:
        method, _, path = rule.strip().partition(" ")
        parsed.append({"method": method.upper(), "path": path.strip()})
    config = _config(database=database)
    endpoint = (endpoint or _endpoint(config)).rstrip("/")

    try:
        if oauth2:
            out = _run_with_store(
                config, lambda store: accounts.issue_service_account(store, account, time.time())
            )
            out["tokenUrl"] = f"{endpoint}/auth/oauth2/token"
            out["endpoint"] = endpoint
        else:
            issued = _run_with_store(
                config, lambda store: accounts.issue_credential(store, account, time.time(), parsed or None)
            )
            out = issued.as_json(endpoint)
    except ApiError as error:
        raise typer.BadParameter(error.message) from None
    if json_output:
        typer.echo(json.dumps(out))
    elif shell:
        import shlex

        names = {
            "endpoint": "OVH_ENDPOINT",
            "applicationKey": "OVH_APPLICATION_KEY",
            "applicationSecret": "OVH_APPLICATION_SECRET",
            "consumerKey": "OVH_CONSUMER_KEY",
            "clientId": "OVH_CLIENT_ID",
            "clientSecret": "OVH_CLIENT_SECRET",
        }
        # One identity at a time: the other pair is unset (clients refuse both at once).
        other = (
            "OVH_APPLICATION_KEY OVH_APPLICATION_SECRET OVH_CONSUMER_KEY"
            if oauth2
            else "OVH_CLIENT_ID OVH_CLIENT_SECRET"
        )
        exports = " ".join(f"{names[k]}={shlex.quote(str(v))}" for k, v in out.items() if k in names)
        typer.echo(f"unset {other}; export {exports}")
    else:
        for key, value in out.items():
            typer.echo(f"{key:18} {value}")


@app.command()
def worker(
    database: DatabaseOption = None,
    instant: InstantOption = None,
    time_scale: TimeScaleOption = None,
    lease: LeaseOption = None,
    poll: PollOption = None,
    pool_size: PoolOption = None,
    section: SectionOption = None,
) -> None:
    """Run a task engine without the API, until Ctrl-C or SIGTERM.

    Start any number of them on one PostgreSQL database: they share the tasks through leases,
    and a dead worker's tasks are taken over once its lease expires. On SQLite run one engine
    in all: in `convergent serve`, or here beside `convergent serve --workers 0`."""
    import logging

    from .store import StoreUnavailable, redact
    from .worker import run_worker

    config = _config(
        database=database,
        instant=instant,
        time_scale=time_scale,
        lease=lease,
        poll=poll,
        pool_size=pool_size,
        sections=_sections(section),
        workers=1,
    )
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    typer.echo(
        f"convergent worker on {redact(config.database)} (step time x{config.effective_time_scale:g}, "
        f"lease {config.lease:g} s); Ctrl-C stops",
        err=True,
    )
    try:
        asyncio.run(run_worker(config))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    except StoreUnavailable as error:
        raise typer.Exit(_unreachable(config, error)) from None


@app.command()
def provision(
    product: Annotated[str, typer.Argument(help="What to order, e.g. vrackServices or vmwareCloudDirector")],
    account: Annotated[str, typer.Option(help="Account (nic) to deliver to; created when missing")],
    database: DatabaseOption = None,
    section: SectionOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Deliver what the real cloud sells through orders, READY, to ACCOUNT."""
    import json

    from .runtime import run_order

    config = _config(database=database, sections=_sections(section))
    try:
        delivered = asyncio.run(run_order(config, product, account))
    except (LookupError, ValueError) as error:
        raise typer.BadParameter(str(error)) from None
    if json_output:
        typer.echo(json.dumps(delivered))
    else:
        for item in delivered:
            typer.echo(f"{item['path']}  {item['urn'] or ''}")


snapshot_app = typer.Typer(help="Save and load the whole state.", no_args_is_help=True)
app.add_typer(snapshot_app, name="snapshot")


@snapshot_app.command("save")
def snapshot_save(
    file: Annotated[str, typer.Argument(help="Where to write the snapshot")], database: DatabaseOption = None
) -> None:
    """Write the whole state (accounts, resources, tasks, events, objects) to FILE."""
    from .admin import snapshot

    _run_with_store(_config(database=database), lambda store: snapshot.save(store, file))
    typer.echo(f"saved {file}")


@snapshot_app.command("load")
def snapshot_load(
    file: Annotated[str, typer.Argument(help="A snapshot written by convergent")],
    database: DatabaseOption = None,
) -> None:
    """Replace the whole state by FILE's; refused if it comes from an incompatible version."""
    from .admin import snapshot
    from .errors import ApiError

    try:
        _run_with_store(_config(database=database), lambda store: snapshot.load(store, path=file))
    except ApiError as error:
        raise typer.BadParameter(error.message) from None
    typer.echo(f"loaded {file}")


@app.command("env")
def env_command(
    account: Annotated[
        str, typer.Option(help="Account (nic) the key acts for; created when missing")
    ] = "xx1111-ovh",
    url: Annotated[
        str | None,
        typer.Option(help="A running server (e.g. a CI service): ask its admin surface for the key"),
    ] = None,
    admin_token: Annotated[
        str | None, typer.Option(help="The admin credential of --url [env: CONVERGENT_ADMIN_TOKEN]")
    ] = None,
    database: DatabaseOption = None,
    shell: Annotated[bool, typer.Option("--shell", help="`export` lines to eval")] = False,
) -> None:
    """Print OVH_ENDPOINT and a new validated key as the OVH_* variables OVHcloud's clients and
    Terraform provider read: `eval "$(convergent env --shell --url ...)"`, or without --shell
    NAME=value lines for $GITHUB_ENV. Without --url the key is made in the local database."""
    import time

    from .testing.environment import ovh_variables, render

    config = _config(database=database, admin_token=admin_token)
    if url:
        import httpx

        from .testing.admin import Admin, AdminError

        if not config.admin_token:
            raise typer.BadParameter("--url needs --admin-token (or CONVERGENT_ADMIN_TOKEN)")
        admin = Admin.connect(url.rstrip("/"), config.admin_token)
        try:
            issued = admin.credential(account)
        except AdminError as error:
            raise typer.BadParameter(str(error)) from None
        except httpx.TransportError as error:
            typer.echo(f"convergent: {url}: {error}", err=True)
            raise typer.Exit(3) from None
        finally:
            admin.close()
        issued["endpoint"] = url
    else:
        from .auth import accounts

        made = _run_with_store(config, lambda store: accounts.issue_credential(store, account, time.time()))
        issued = made.as_json(_endpoint(config))
    typer.echo(render(ovh_variables(issued), shell))


@app.command("admin-token")
def admin_token_command(database: DatabaseOption = None) -> None:
    """Make a new admin credential (the old one stops working) and print it."""
    from .admin.token import rotate_admin_token

    typer.echo(_run_with_store(_config(database=database), rotate_admin_token))


@app.command()
def conformance(
    reference: Annotated[
        str,
        typer.Option(
            help="Folder of OVHcloud's OpenAPI exports: every *.json of DIR/ovh-v2-schemas, or of DIR"
        ),
    ],
    sections: Annotated[
        list[str] | None, typer.Option("--section", help="Only this reference section (e.g. iam); repeat")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON for machines")
    ] = False,
) -> None:
    """Compare what convergent serves with the reference: every operation served, declined (with
    its reason) or missing, and every served one called and its answers validated. Exit 1 when an
    operation is missing or a served one's answers do not validate; exit 0 (skipped) when DIR
    does not exist."""
    import json
    import pathlib

    from rich.console import Console

    if not pathlib.Path(reference).is_dir():
        typer.echo(f"conformance skipped: reference folder {reference} not found", err=True)
        raise typer.Exit(0)
    try:
        from .conformance import load, measure
    except ImportError as error:
        raise typer.BadParameter(str(error)) from None
    refs = load(reference)
    if sections:
        unknown = sorted(set(sections) - {r.name for r in refs})
        if unknown:
            raise typer.BadParameter(f"no reference for {', '.join(unknown)} in {reference}")
        refs = [r for r in refs if r.name in sections]
    if not refs:
        raise typer.BadParameter(f"no OpenAPI document (*.json) in {reference} or {reference}/ovh-v2-schemas")
    report = asyncio.run(measure(refs))
    if json_output:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        console = Console()
        report.render(console if console.is_terminal else Console(width=200))  # CI logs: no folding
    raise typer.Exit(report.exit_code)


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Create or upgrade the database schema, then exit.

    Every process also does it on start; on PostgreSQL under an advisory lock, so that
    processes starting together do not race."""
    from .store import redact

    config = _config(database=database)

    async def nothing(store) -> None:
        return None

    _run_with_store(config, nothing)
    typer.echo(f"{redact(config.database)}: schema up to date")


def main() -> None:
    app()


terraform_app = typer.Typer(help="The Terraform provider.", no_args_is_help=True)
app.add_typer(terraform_app, name="terraform")


@terraform_app.command("install")
def terraform_install(
    mirror: Annotated[
        str, typer.Option(help="Folder to use as Terraform's filesystem mirror")
    ] = "~/.terraform.d/convergent-mirror",
) -> None:
    """Lay the provider out in MIRROR and print the Terraform CLI configuration that uses it."""
    import os

    from .terraform import cli_configuration, install

    mirror = os.path.abspath(os.path.expanduser(mirror))
    typer.echo(f"installed {install(mirror)}", err=True)
    typer.echo("add to ~/.terraformrc (or the file TF_CLI_CONFIG_FILE names):\n", err=True)
    typer.echo(cli_configuration(mirror))


def _add_api_commands() -> None:
    from . import remote

    for command in (remote.get, remote.apply, remote.delete, remote.wait, remote.tasks, remote.events):
        app.command()(command)


_add_api_commands()
