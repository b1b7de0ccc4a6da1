"""How a plan reads: a diff for people, JSON for scripts."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape

from .plan import Change

__all__ = ["render", "as_json", "summary"]

_MARK = {"create": ("+", "green"), "update": ("~", "yellow"), "none": ("=", "dim")}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def summary(changes: list[Change]) -> str:
    count = Counter(change.action for change in changes)
    return f"{count['create']} to create, {count['update']} to update, {count['none']} unchanged"


def render(changes: list[Change], console: Console) -> None:
    for change in changes:
        mark, colour = _MARK[change.action]
        declaration = change.declaration
        verb = {"create": "POST ", "update": "PUT ", "none": ""}[change.action]
        console.print(f"[{colour}]{mark} {escape(declaration.name)}[/]  {verb}{escape(change.path)}")
        if change.action == "none":
            continue
        for field, before, after in change.fields:
            if change.action == "create":
                console.print(f"    {escape(field)}: [green]{escape(_text(after))}[/]")
            else:
                console.print(
                    f"    {escape(field)}: [red]{escape(_text(before))}[/] -> [green]{escape(_text(after))}[/]"
                )
        if change.task:
            steps = ", ".join(f"{s['name']} ({_seconds(s['seconds'])})" for s in change.task["steps"])
            console.print(f"    task {escape(change.task['type'])}: {escape(steps) or 'no steps'}")
        if change.refused:
            console.print(f"    [red]refused: {escape(change.refused)}[/]")
    console.print(f"Plan: {summary(changes)}.")


def _seconds(value: float) -> str:
    return f"{value:g}s"


def as_json(changes: list[Change]) -> list[dict]:
    return [
        {
            "name": change.declaration.name,
            "kind": change.declaration.kind,
            "action": change.action,
            "path": change.path,
            "id": (change.current or {}).get("id"),
            "fields": [{"field": f, "from": before, "to": after} for f, before, after in change.fields],
            "task": change.task,
            "refused": change.refused,
        }
        for change in changes
    ]
