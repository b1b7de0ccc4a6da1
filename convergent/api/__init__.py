"""The HTTP surface: branches, routing, errors, pagination."""

from .app import create_app

__all__ = ["create_app"]
