"""The HTTP surface: branches, routing, errors, pagination."""

from .app import build_app

__all__ = ["build_app"]
