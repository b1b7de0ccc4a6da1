"""The route table: method and path to endpoint, matched one path segment at a time.

Matching costs the same however many routes there are, literal segments win over parameters
(with backtracking), and parameters are percent-decoded per segment, so a URN parameter sent
with `%2F` for `/` still matches one segment. Conflicts are refused when the table is built.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

__all__ = ["Table", "Match"]


class _Node:
    __slots__ = ("literal", "param", "param_name", "methods", "template")

    def __init__(self):
        self.literal: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.param_name = ""
        self.methods: dict[str, Callable] = {}
        self.template = ""


class Match:
    __slots__ = ("methods", "params", "template")

    def __init__(self, methods: dict[str, Callable], params: dict[str, str], template: str = ""):
        self.methods = methods
        self.params = params
        self.template = template  # the route as declared, e.g. /v2/publicCloud/project/{projectId}


class Table:
    def __init__(self):
        self.root = _Node()
        self.entries: list[tuple[str, str]] = []  # (method, template), in the order added

    def add(self, method: str, template: str, endpoint: Callable) -> None:
        node = self.root
        for segment in _segments(template):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if node.param is None:
                    node.param, node.param_name = _Node(), name
                elif node.param_name != name:
                    raise ValueError(
                        f"{template}: parameter {{{name}}} where another route has {{{node.param_name}}}"
                    )
                node = node.param
            else:
                node = node.literal.setdefault(segment, _Node())
        if method in node.methods:
            raise ValueError(f"two routes for {method} {template}")
        node.methods[method] = endpoint
        node.template = template
        self.entries.append((method, template))

    def match(self, raw_path: str) -> Match | None:
        """The methods served at this raw (percent-encoded) path and its parameters, or None."""
        segments = _segments(raw_path)
        params: dict[str, str] = {}
        # Fast path: follow literals first, parameters otherwise, without turning back.
        node: _Node | None = self.root
        encoded = "%" in raw_path
        for segment in segments:
            if encoded:
                segment = _decoded(segment)
            child = node.literal.get(segment)
            if child is None and node.param is not None and segment:
                params[node.param_name] = segment
                child = node.param
            node = child
            if node is None:
                break
        if node is not None and node.methods:
            return Match(node.methods, params, node.template)
        # Some routes need backtracking (a literal that leads nowhere where a parameter would).
        params = {}
        node = _walk(self.root, segments, 0, params)
        return None if node is None else Match(node.methods, params, node.template)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s] or [""]


def _decoded(segment: str) -> str:
    return unquote(segment) if "%" in segment else segment


def _walk(node: _Node, segments: list[str], i: int, params: dict[str, str]) -> _Node | None:
    if i == len(segments):
        return node if node.methods else None
    segment = segments[i]
    child = node.literal.get(_decoded(segment))
    if child is not None:
        found = _walk(child, segments, i + 1, params)
        if found is not None:
            return found
    if node.param is not None and segment:
        found = _walk(node.param, segments, i + 1, params)
        if found is not None:
            params[node.param_name] = _decoded(segment)
            return found
    return None
