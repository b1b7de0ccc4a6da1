"""Persistence of resources, tasks and events behind one small async interface."""

from .base import Page, Store, StoreFull, StoreUnavailable, Tx, open_store, redact

__all__ = ["Page", "Store", "StoreFull", "StoreUnavailable", "Tx", "open_store", "redact"]
