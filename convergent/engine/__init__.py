"""Tasks: the write side of as-code changes, the engine that runs their steps, and the
registry of plain objects."""

from .changes import Changes
from .clock import Clock
from .objects import Collection, Objects
from .runner import Engine

__all__ = ["Changes", "Clock", "Collection", "Engine", "Objects"]
