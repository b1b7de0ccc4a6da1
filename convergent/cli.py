"""The `convergent` command. `convergent --help` and `convergent COMMAND --help` are the reference."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

from .config import Config, ConfigError

app = typer.Typer(
    help="convergent: a resource-centric cloud control-plane API server (OVHcloud API v2 principles).",
    no_args_is_help=True,
    add_completion=False,
)

DatabaseOption = Annotated[
    Optional[str],
    typer.Option("--database", help="SQLite file (created on first start) [env: CONVERGENT_DATABASE; default ./convergent.db]"),
]


def _config(**overrides) -> Config:
    try:
        return Config.from_env(**overrides)
    except ConfigError as error:
        raise typer.BadParameter(str(error)) from None


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on [env: CONVERGENT_HOST; default 127.0.0.1]")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on [env: CONVERGENT_PORT; default 8080]")] = None,
    database: DatabaseOption = None,
    instant: Annotated[
        Optional[bool],
        typer.Option("--instant/--realistic", help="Simulated provisioning steps take no time [env: CONVERGENT_INSTANT]"),
    ] = None,
    time_scale: Annotated[
        Optional[float],
        typer.Option(help="Multiply simulated step durations (1 realistic, 0.1 ten times faster) [env: CONVERGENT_TIME_SCALE]"),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = False,
) -> None:
    """Run the API and the task engine in one process on an embedded SQLite database."""
    import uvicorn

    from .api import create_app

    config = _config(host=host, port=port, database=database, instant=instant, time_scale=time_scale)
    typer.echo(
        f"convergent serving http://{config.host}:{config.port}/v2 on {config.database} "
        f"(step time x{config.effective_time_scale:g}); Ctrl-C stops",
        err=True,
    )
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=config.port,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        timeout_graceful_shutdown=10,
    )


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Create or upgrade the database schema, then exit."""
    from .store import open_store

    config = _config(database=database)

    async def run() -> None:
        store = open_store(config.database)
        await store.open()
        await store.close()

    asyncio.run(run())
    typer.echo(f"{config.database}: schema up to date")


def main() -> None:
    app()
