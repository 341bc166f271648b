"""Rendered pages and tables of stored runs, kept until the store file changes.

Stored runs change only when a run is saved (or replaced or deleted), which changes the DuckDB
file or its write-ahead log; the cache is keyed on their size and modification time, so a page
computed once is served from memory until then, and fifty readers of the same page compute it
once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Stamp = tuple[tuple[int, int], ...]


class StoreCache:
    """An LRU map of computed values, emptied whenever the store at ``path`` changes."""

    def __init__(self, path: Path, max_items: int = 64) -> None:
        self.path = Path(path)
        self.max_items = max_items
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._stamp: Stamp | None = None
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def stamp(self) -> Stamp:
        """Return the size and modification time of the store file and its write-ahead log."""
        out = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = path.stat()
                out.append((st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                out.append((-1, -1))
        return tuple(out)

    def peek(self, key: Any) -> Any | None:
        """Return the cached value of ``key`` if the store is unchanged, else ``None`` (never computes)."""
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp:
                return None
            return self._items.get(key)

    def get(self, key: Any, compute: Callable[[], T]) -> T:
        """Return the cached value of ``key``, computing it (once, under a per-key lock) if needed."""
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._stamp = stamp
            if key in self._items:
                self._items.move_to_end(key)
                found: T = self._items[key]
                return found
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items and self._stamp == stamp:
                    again: T = self._items[key]
                    return again
            value = compute()
            with self._lock:
                if self._stamp == stamp:
                    self._items[key] = value
                    while len(self._items) > self.max_items:
                        self._items.popitem(last=False)
                self._key_locks.pop(key, None)
            return value
