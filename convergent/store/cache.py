"""Values derived from plain objects, kept while the store's items epoch stays the same."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from .base import Store

__all__ = ["ItemsCache"]

T = TypeVar("T")


class ItemsCache:
    """A per-process cache that empties itself when any plain object changes, in any process:
    one read of the epoch per lookup tells whether what it holds is still current."""

    def __init__(self, store: Store, limit: int = 10_000):
        self.store = store
        self.limit = limit
        self._epoch: int | None = None
        self._values: dict[Hashable, object] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]], epoch: int | None = None) -> T:
        """The value for `key`, loaded when missing or stale. A caller that read the epoch a
        moment ago in the same request may pass it instead of reading it again."""
        if epoch is None:
            epoch = await self.store.items_epoch()
        if epoch != self._epoch:
            self._values.clear()
            self._epoch = epoch
        if key in self._values:
            return self._values[key]  # type: ignore[return-value]
        value = await load()
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = value
        return value

    @property
    def epoch(self) -> int | None:
        """The epoch the cache last saw."""
        return self._epoch
