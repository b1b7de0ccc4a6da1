"""The commands that talk to an API: get, apply, delete, tasks, events.

Credentials come from `ovh.conf` and `OVH_*` variables, as for OVHcloud's own clients;
`--endpoint` takes a name (`ovh-eu`) or a URL. Tables for people, `--json` for scripts.
Exit codes: 0 success, 1 error, 2 drift found by `apply --dry-run`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["get", "apply", "delete", "wait", "tasks", "events", "EXIT_OK", "EXIT_ERROR", "EXIT_DRIFT"]

EXIT_OK, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2

Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint", help="API endpoint: a name (ovh-eu, ...) or a URL [env: OVH_ENDPOINT; ovh.conf]"
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]
SchemasVersion = Annotated[
    str | None, typer.Option("--schemas-version", help="Send X-Schemas-Version (e.g. 1.0)")
]


def _out() -> Console:
    # Piped output is never cut to 80 columns: a table row stays one line for grep and awk.
    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 1000)


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


@contextlib.contextmanager
def _client(endpoint: str | None, schemas_version: str | None = None) -> Iterator:
    """A Client, and every failure turned into a message on stderr and exit code 1."""
    from .apply import DocumentError, UnresolvedReference
    from .client import ApiError, Client, ConfigurationError, TaskFailed, WaitTimeout

    try:
        with Client(endpoint, schemas_version=schemas_version) as client:
            yield client
    except (
        ApiError,
        ConfigurationError,
        TaskFailed,
        WaitTimeout,
        DocumentError,
        UnresolvedReference,
        LookupError,
    ) as error:
        _err().print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_ERROR) from None


def _fetch(client, path: str) -> Any:
    """A GET, with every page of a list."""
    from .client.wire import next_cursor, result

    response = client.raw("GET", path)
    value = result(response)
    while isinstance(value, list) and next_cursor(response):
        response = client.raw("GET", path, headers={"X-Pagination-Cursor": next_cursor(response)})
        value += result(response)
    return value


def _name(item: dict) -> Any:
    for holder in (item.get("targetSpec"), item.get("currentState"), item):
        if isinstance(holder, dict) and "name" in holder:
            return holder["name"]
    return None


_COLUMNS = ("id", "name", "resourceStatus", "status", "type", "kind", "progress", "message", "createdAt")


def _cell(item: dict, column: str) -> str:
    if column == "name":
        value = _name(item)
    elif column == "progress" and isinstance(item.get("progress"), list):
        steps = item["progress"]
        running = next((s["name"] for s in steps if s.get("status") in ("RUNNING", "ERROR")), "")
        value = f"{sum(s.get('status') == 'DONE' for s in steps)}/{len(steps)} {running}".strip()
    else:
        value = item.get(column)
    return "" if value is None else str(value)


def _table(items: list[dict], columns: tuple[str, ...] = _COLUMNS) -> Table:
    shown = [c for c in columns if any(_cell(item, c) for item in items)] or ["id"]
    table = Table(*shown, box=None, header_style="bold")
    for item in items:
        table.add_row(*(escape(_cell(item, c)) for c in shown))
    return table


def _show(value: Any, json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(value, indent=2, ensure_ascii=False))
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value) and value:
        _out().print(_table(value))
    elif isinstance(value, list):
        for item in value:
            typer.echo(item)
    elif isinstance(value, dict):
        import yaml

        typer.echo(yaml.safe_dump(value, sort_keys=False, allow_unicode=True).rstrip())
    elif value is not None:
        typer.echo(value)


def get(
    path: Annotated[str, typer.Argument(help="API path, e.g. /v2/publicCloud/project")],
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
) -> None:
    """GET PATH and print it: a table for a list (every page), YAML for one item."""
    with _client(endpoint, schemas_version) as client:
        _show(_fetch(client, path), json_output)


@contextlib.contextmanager
def _progress(title: str) -> Iterator[Callable[[str], None]]:
    """Where a wait reports how it goes: a spinner line on a terminal; elsewhere (CI logs,
    pipes, files) a line on stderr each time the progress changes, so a long wait shows life."""
    console = _err()
    if console.is_terminal:
        with console.status(escape(title), spinner="dots") as status:
            yield lambda line: status.update(escape(line))
        return
    typer.echo(title, err=True)
    last = [title]

    def report(line: str) -> None:
        if line != last[0]:
            last[0] = line
            typer.echo(line, err=True)

    yield report


def _progress_line(name: str, item: dict, tasks: list[dict]) -> str:
    steps = [s for task in tasks for s in task.get("progress") or []]
    current = next((s for s in steps if s.get("status") in ("RUNNING", "PENDING")), None)
    done = sum(s.get("status") == "DONE" for s in steps)
    where = f" - {current['name']} ({done + 1}/{len(steps)})" if current and steps else ""
    return f"{name}: {item.get('resourceStatus')}{where}"


def apply(
    file: Annotated[
        Path,
        typer.Option(
            "-f", "--file", help="YAML file of resources (see docs/tooling.md)", exists=True, dir_okay=False
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Only show the diff and the steps each change would run; exit 2 if anything would change",
        ),
    ] = False,
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
    poll: Annotated[float, typer.Option(help="Seconds between polls while waiting for READY")] = 1.0,
) -> None:
    """Create what FILE declares and is missing, update what differs, wait for READY.

    The diff is shown first. Exit codes: 0 done (or no drift), 1 error, 2 drift found by --dry-run.
    """
    from . import apply as declared

    with _client(endpoint, schemas_version) as client:
        declarations = declared.load(file.read_text())
        changes = declared.plan(client, declarations)
        if dry_run:
            declared.preview(client, changes)  # the server's task plans, nothing written
        if not json_output:
            declared.render(changes, _out())
        if dry_run:
            if json_output:
                typer.echo(
                    json.dumps(
                        {"drift": declared.drift(changes), "changes": declared.as_json(changes)}, indent=2
                    )
                )
            raise typer.Exit(EXIT_DRIFT if declared.drift(changes) else EXIT_OK)
        if not declared.drift(changes):
            if json_output:
                typer.echo(json.dumps({"drift": False, "changes": declared.as_json(changes)}, indent=2))
            return
        with _progress("applying") as show:

            def progress(declaration, item, tasks):
                show(_progress_line(declaration.name, item, tasks))

            done = declared.apply(
                client, declarations, on_progress=None if json_output else progress, poll=poll
            )
        if json_output:
            typer.echo(json.dumps({"drift": True, "changes": declared.as_json(done)}, indent=2))
        else:
            _out().print(
                f"Applied: {declared.summary(done).replace('to create', 'created').replace('to update', 'updated')}."
            )


def delete(
    path: Annotated[str, typer.Argument(help="Path of the item to delete")],
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until it is gone")] = True,
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
) -> None:
    """DELETE PATH; for an as-code resource, wait until it is gone (GET answers 404)."""
    with _client(endpoint, schemas_version) as client:
        answer = client.delete(path)
        if wait and isinstance(answer, dict) and answer.get("resourceStatus") == "DELETING":
            with _progress(f"deleting {path}") as show:
                client.wait(
                    path,
                    until="DELETED",
                    on_progress=lambda item, tasks: show(_progress_line(path, item, tasks)),
                )
        if json_output:
            typer.echo(json.dumps(answer, indent=2))
        else:
            _out().print(f"deleted {escape(path)}")


def wait(
    path: Annotated[str, typer.Argument(help="Path of an as-code resource")],
    until: Annotated[
        str, typer.Option(help="READY, or DELETED (until GET answers 404)", case_sensitive=False)
    ] = "READY",
    timeout: Annotated[float, typer.Option(help="Seconds before giving up (exit 1)")] = 3600.0,
    poll: Annotated[float, typer.Option(help="Seconds between polls")] = 1.0,
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
) -> None:
    """Wait until the resource at PATH is READY with no task in flight (or gone, with
    --until DELETED), showing its progress; exit 1 if its task fails or on --timeout."""
    until = until.upper()
    if until not in ("READY", "DELETED"):
        raise typer.BadParameter("READY or DELETED", param_hint="--until")
    with _client(endpoint, schemas_version) as client, _progress(f"waiting for {path}") as show:
        found = client.wait(
            path,
            until,
            timeout=timeout,
            poll=poll,
            on_progress=lambda item, tasks: show(_progress_line(path, item, tasks)),
        )
    if json_output:
        typer.echo(json.dumps(found, indent=2))
    else:
        _out().print(f"{escape(path)}: {until}")


def tasks(
    path: Annotated[str, typer.Argument(help="Path of an as-code resource")],
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
) -> None:
    """List the tasks of the resource at PATH (newest first) with their progress."""
    with _client(endpoint, schemas_version) as client:
        found = _fetch(client, f"{path.rstrip('/')}/task")
        if json_output:
            _show(found, True)
        else:
            _out().print(_table(found, ("id", "type", "status", "progress", "message", "createdAt")))


def _event_key(event: dict) -> tuple:
    return (event.get("createdAt"), event.get("type"), event.get("link"), event.get("message"))


def _print_events(found: list[dict], json_output: bool) -> None:
    if json_output:
        for event in found:
            typer.echo(json.dumps(event, ensure_ascii=False))
    elif found:
        _out().print(_table(found, ("createdAt", "type", "kind", "message")))


def follow_events(client, path: str, json_output: bool, interval: float, stop=lambda: False) -> None:
    """Print events oldest first, then new ones as they come, until `stop()` or Ctrl-C."""
    seen: set[tuple] = set()
    while True:
        found = [e for e in reversed(_fetch(client, path)) if _event_key(e) not in seen]
        seen.update(_event_key(e) for e in found)
        _print_events(found, json_output)
        sys.stdout.flush()
        if stop():
            return
        time.sleep(interval)


def events(
    path: Annotated[str, typer.Argument(help="Path of an as-code resource")],
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep printing new events (Ctrl-C stops)")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls with --follow")] = 2.0,
    endpoint: Endpoint = None,
    json_output: Json = False,
    schemas_version: SchemasVersion = None,
) -> None:
    """List the events of the resource at PATH, oldest first; --json prints one JSON object a line."""
    with _client(endpoint, schemas_version) as client:
        url = f"{path.rstrip('/')}/event"
        if not follow:
            _print_events(list(reversed(_fetch(client, url))), json_output)
            return
        with contextlib.suppress(KeyboardInterrupt):
            follow_events(client, url, json_output, interval)
