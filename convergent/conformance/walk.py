"""One section's walk: every operation of its reference called on a live convergent.

The walk creates what the collection POSTs create, fills path parameters from the resources it
has seen (by parameter name), calls the POST actions, sends each PUT the current body (checksum
and targetSpec for as-code resources), then a changed one where a hint or the reference's
example says how, and deletes last. After each write it reads every GET at once, then again
after each transition the engine makes (a task PENDING, each step RUNNING, DONE or ERROR), so
every state a change passes through is validated. Each answer
is recorded on its operation's result; every 2xx body is validated against the reference.

Request bodies, in order of preference: the section's hint (hints.py), the reference's first
request example, the smallest body the request schema allows (bodies.minimal).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from .bodies import minimal, writable
from .hints import Hints
from .reference import Reference
from .report import DECLINED, SERVED, OperationResult

__all__ = ["Walk"]

_PARAM = re.compile(r"\{(\w+)\}")
_PLACEHOLDER = "conformance"


class Unfilled(Exception):
    """No resource seen so far gives a value for this path parameter."""


@dataclass
class _Binding:
    """Path parameter values that belong together (a resource and its parents)."""

    template: str  # the item path these values name, e.g. /a/{aId}/b/{bId}
    values: dict[str, str]
    ours: bool  # created by this walk (preferred: safe to change and delete)
    order: int
    source: tuple | None  # the list it was read from, replaced when that list is read again


def _depth(path: str) -> int:
    return path.count("/")


def _children(paths) -> dict[str, list[tuple[str, str]]]:
    """For each path, the item paths one parameter deeper and that parameter: `/a` has `/a/{id}`."""
    out: dict[str, list[tuple[str, str]]] = {p: [] for p in paths}
    for path in paths:
        parent, _, last = path.rpartition("/")
        if parent in out and last.startswith("{") and last.endswith("}"):
            out[parent].append((path, last[1:-1]))
    return out


def _pick(item: dict, name: str) -> str | None:
    """The value of path parameter `name` for a listed or created item."""
    for key in (name, "urn" if name.lower().endswith("urn") else None, "id"):
        if key and isinstance(item.get(key), (str, int)):
            return str(item[key])
    return None


def _scalar(item) -> str | None:
    """A listed id itself (lists of the v1 style answer bare names)."""
    return str(item) if isinstance(item, (str, int)) and not isinstance(item, bool) else None


class Walk:
    def __init__(
        self,
        ref: Reference,
        client: httpx.AsyncClient,
        advance: Callable[[Callable[[], Awaitable[None]]], Awaitable[None]],
        results: dict[tuple[str, str], OperationResult],
        hints: Hints,
    ):
        self.ref = ref
        self.client = client
        self.advance = advance
        self.results = results
        self.hints = hints
        self.bindings: list[_Binding] = []
        self.answers: dict[str, object] = {}  # template -> the last 2xx body of its GET
        self._order = itertools.count()
        self.children = _children(ref.spec["paths"])
        ops = [op for op in ref.operations if results[op].status in (SERVED, DECLINED)]
        self.declined = [op for op in ops if results[op].status == DECLINED]
        ops = [op for op in ops if results[op].status == SERVED]
        self.reads = sorted((op for op in ops if op[0] == "GET"), key=lambda op: _depth(op[1]))
        self.creates = sorted(
            (
                op
                for op in ops
                if op[0] == "POST" and ("GET", op[1]) in ref.operations and not op[1].endswith("}")
            ),
            key=lambda op: _depth(op[1]),
        )
        self.actions = [op for op in ops if op[0] == "POST" and op not in self.creates]
        self.updates = sorted((op for op in ops if op[0] == "PUT"), key=lambda op: _depth(op[1]))
        collections = [path for _, path in self.creates]

        def delete_order(op: tuple[str, str]):  # deepest first, then the last created first
            parent = op[1].rsplit("/", 1)[0]
            return (-_depth(op[1]), -collections.index(parent) if parent in collections else 0)

        self.deletes = sorted((op for op in ops if op[0] == "DELETE"), key=delete_order)

    # --- what hints may ask -------------------------------------------------------------------

    def value(self, name: str) -> str:
        """A value of path parameter `name` from any resource seen, preferring ones this walk
        created, then the newest."""
        found = [b for b in self.bindings if name in b.values]
        if not found:
            raise Unfilled(name)
        return max(found, key=lambda b: (b.ours, b.order)).values[name]

    def answer(self, template: str):
        """The last 2xx body a GET of `template` answered (None before any)."""
        return self.answers.get(template)

    # --- the walk -----------------------------------------------------------------------------

    async def run(self) -> None:
        await self.read_all()
        for method, path in self.creates + self.actions:
            if await self.send(method, path):
                await self.follow()
        for method, path in self.updates:
            await self.update(path)
        for method, path in self.declined:
            await self.send(method, path)
        for method, path in self.deletes:
            await self.call(method, path)
            await self.follow()

    async def send(self, method: str, path: str) -> bool:
        """POST (or a declined operation) with the body made for it; False if none could be."""
        try:
            body = self._body(method, path)
        except Unfilled as error:
            self.results[(method, path)].unfilled = str(error)
            return False
        await self.call(method, path, body)
        return True

    async def read_all(self) -> None:
        for method, path in self.reads:
            await self.call(method, path)

    async def follow(self) -> None:
        """After a write: read everything now, then after each transition the engine makes."""
        await self.read_all()
        await self.advance(self.read_all)

    async def update(self, path: str) -> None:
        """PUT what GET answers (as a request may carry it), then a changed body where known."""
        try:
            params = self._fill(path)
        except Unfilled as error:
            self.results[("PUT", path)].unfilled = str(error)
            return
        schema = self.ref.request_schema("PUT", path)
        changed = self.hints.change("PUT", path) or self._example_change(path)
        for change in ([None] if schema is not None else []) + ([changed] if changed else []):
            current = await self.call("GET", path, params=params)
            if not isinstance(current, dict):
                return
            if change is None:
                body = writable(self.ref.schemas, schema, current)
                if "checksum" in current and "targetSpec" in body:
                    body["checksum"] = current["checksum"]
            else:
                try:
                    body = change(current, self)
                except Unfilled as error:
                    self.results[("PUT", path)].unfilled = str(error)
                    return
            await self.call("PUT", path, body, params=params)
            await self.follow()

    def _example_change(self, path: str):
        examples = self.ref.request_examples("PUT", path)
        if not examples:
            return None
        example = examples[0]

        def change(current: dict, walk: Walk) -> dict:
            body = dict(example)
            if "checksum" in body or "checksum" in current:
                body["checksum"] = current.get("checksum")
            return body

        return change

    def _body(self, method: str, path: str):
        hinted = self.hints.body(method, path)
        if hinted is not None:
            return hinted(self)
        examples = self.ref.request_examples(method, path)
        if examples:
            return examples[0]
        schema = self.ref.request_schema(method, path)
        return None if schema is None else minimal(self.ref.schemas, schema)

    async def call(self, method: str, path: str, body=None, *, params: dict | None = None):
        """Call one operation; record and check its answer; the 2xx body, or None."""
        result = self.results[(method, path)]
        names = _PARAM.findall(path)
        if params is None:
            try:
                params = self._fill(path)
            except Unfilled as error:
                if result.status != DECLINED:
                    result.unfilled = str(error)
                    return None
                params = {n: _PLACEHOLDER for n in names}
        url = self.ref.branch + path.format(**{k: quote(v, safe="") for k, v in params.items()})
        response = (
            await self.client.request(method, url, json=body)
            if body is not None
            else await self.client.request(method, url)
        )
        result.calls += 1
        result.answers[response.status_code] += 1
        where = f"{method} {url}"
        if response.status_code >= 500 and result.status != DECLINED:
            result.fail(f"{where} answered {response.status_code}: {response.text[:200]}")
            return None
        if not 200 <= response.status_code < 300:
            return None
        if not response.headers.get("content-type", "").startswith("application/json"):
            result.fail(f"{where}: content-type {response.headers.get('content-type')!r}, not JSON")
            return None
        answer = response.json()
        problems = self.ref.check(method, path, answer)
        if problems:
            result.fail(
                f"{where}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            )
        else:
            result.validated += 1
        self._harvest(method, path, params, answer, body)
        return answer

    def _harvest(self, method: str, path: str, params: dict, answer, sent) -> None:
        if method == "GET":
            self.answers[path] = answer
        if method == "GET" and isinstance(answer, list):
            source = (path, tuple(sorted(params.items())))
            self.bindings = [b for b in self.bindings if b.source != source]
            for child, name in self.children[path]:
                for item in answer:
                    value = _pick(item, name) if isinstance(item, dict) else _scalar(item)
                    if value is not None:
                        self.bindings.append(
                            _Binding(child, {**params, name: value}, False, next(self._order), source)
                        )
        elif method == "POST":
            for child, name in self.children[path]:
                value = (_pick(answer, name) if isinstance(answer, dict) else None) or (
                    _pick(sent, name) if isinstance(sent, dict) else None
                )
                if value is not None:
                    self.bindings.append(
                        _Binding(child, {**params, name: value}, True, next(self._order), None)
                    )

    def _fill(self, path: str) -> dict[str, str]:
        """Values for the path's parameters from the resources that path is under (or is): the
        deepest such resource, preferring ones this walk created, then the newest."""
        names = _PARAM.findall(path)
        if not names:
            return {}
        under = [b for b in self.bindings if path == b.template or path.startswith(b.template + "/")]
        ranked = sorted(under, key=lambda b: (len(b.values), b.ours, b.order), reverse=True)
        if ranked and set(names) <= ranked[0].values.keys():
            return {n: ranked[0].values[n] for n in names}
        covered = ranked[0].values if ranked else {}
        raise Unfilled(next(n for n in names if n not in covered))
