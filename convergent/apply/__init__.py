"""Declarative files for `convergent apply`: parse, plan against the live API, apply in order."""

from .document import Declaration, DocumentError, load, parse
from .plan import Change
from .refs import UNKNOWN, UnresolvedReference
from .run import apply, drift, plan, preview
from .show import as_json, render, summary

__all__ = [
    "Declaration",
    "DocumentError",
    "load",
    "parse",
    "Change",
    "UNKNOWN",
    "UnresolvedReference",
    "apply",
    "drift",
    "plan",
    "preview",
    "as_json",
    "render",
    "summary",
]
