"""Tasks: the write side of as-code changes, and the engine that runs their steps."""

from .changes import Changes
from .clock import Clock
from .runner import Engine

__all__ = ["Changes", "Clock", "Engine"]
