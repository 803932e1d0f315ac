"""Small bounded caches of values computed from one generation of the index.

The index records the commit it reflects (`Index.commit_id()`); anything derived from it
(related letters, a search page) stays right until that commit changes. A `GenerationCache`
keeps at most `size` values, least recently used dropped first, and forgets everything when
it is asked about a newer (or any other) generation, so its memory does not grow with the
archive and nothing stale outlives an ingest or an edit.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

_MISSING = object()
_PER_OWNER: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PER_OWNER_LOCK = threading.Lock()


class GenerationCache:
    def __init__(self, size: int):
        self.size = size
        self.generation = None
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, generation, key, default=None):
        """The value stored for `key` in this generation, else `default`."""
        with self._lock:
            if generation != self.generation:
                return default
            value = self._items.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._items.move_to_end(key)
            return value

    def put(self, generation, key, value):
        """Keep `value` for `key`; a new generation first drops every older value."""
        with self._lock:
            if generation != self.generation:
                self._items.clear()
                self.generation = generation
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


def cache_for(owner, name: str, size: int) -> GenerationCache:
    """The cache called `name` belonging to `owner` (an open Archive): made on first use,
    gone when the owner is."""
    with _PER_OWNER_LOCK:
        caches = _PER_OWNER.setdefault(owner, {})
        if name not in caches:
            caches[name] = GenerationCache(size)
        return caches[name]
