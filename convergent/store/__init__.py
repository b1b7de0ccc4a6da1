"""Persistence of resources, tasks and events behind one small async interface."""

from .base import Page, Store, StoreUnavailable, Tx, open_store, redact

__all__ = ["Page", "Store", "StoreUnavailable", "Tx", "open_store", "redact"]
