"""Persistence of resources, tasks and events behind one small async interface."""

from .base import Page, Store, Tx, open_store

__all__ = ["Page", "Store", "Tx", "open_store"]
