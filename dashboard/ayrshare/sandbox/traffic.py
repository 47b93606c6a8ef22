"""What the sandbox remembers about its callers: rate windows, promises made, calls received.

- RateLimiter: Ayrshare's per-profile budget (300 requests per 5 minutes by default) as a sliding
  window in real wall-clock time, plus the Retry-After each profile was last told to respect.
- Freshness: the nextUpdate each profile was last promised per resource, so a call that comes
  back before it can be flagged "early".
- CallLog: a bounded, indexed record of every API call for tests and benchmarks.

All three are shared by the server's request threads, so each guards itself with a lock.
"""

import threading
from collections import OrderedDict, deque


class RateLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[object, deque] = {}
        self._retry_until: dict[object, float] = {}

    def charge(self, profile, limit: int, window: float, enabled: bool, now: float):
        """(allowed, requests in the window, seconds until a slot frees) for one request."""
        with self._lock:
            stamps = self._windows.setdefault(profile, deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if enabled and len(stamps) >= limit:
                wait = stamps[0] + window - now if stamps else window
                return False, len(stamps), wait
            stamps.append(now)
            return True, len(stamps), 0.0

    def count(self, profile, window: float, now: float) -> int:
        """Requests in the profile's window, without charging one."""
        with self._lock:
            return sum(1 for stamp in self._windows.get(profile, ()) if stamp > now - window)

    def tell_retry_after(self, profile, seconds: float, now: float) -> None:
        with self._lock:
            self._retry_until[profile] = now + seconds

    def ignores_retry_after(self, profile, now: float) -> bool:
        with self._lock:
            return now < self._retry_until.get(profile, 0.0)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._retry_until.clear()


class Freshness:
    """Promised nextUpdate per (profile, resource) and per (profile, resource, exact request)."""

    def __init__(self, size: int = 200_000):
        self._lock = threading.Lock()
        self._size = size
        self._by_request: OrderedDict = OrderedDict()
        self._by_resource: OrderedDict = OrderedDict()

    def early(self, profile, resource: str, variant: str, now: float) -> tuple[bool, bool]:
        """(early for this exact request, early for the resource whatever the query)."""
        with self._lock:
            same = self._by_request.get((profile, resource, variant))
            any_query = self._by_resource.get((profile, resource))
        return same is not None and now < same, any_query is not None and now < any_query

    def promise(self, profile, resource: str, variant: str, next_update: float) -> None:
        with self._lock:
            for table, key in (
                (self._by_request, (profile, resource, variant)),
                (self._by_resource, (profile, resource)),
            ):
                table[key] = next_update
                table.move_to_end(key)
                if len(table) > self._size:
                    table.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._by_request.clear()
            self._by_resource.clear()


class CallLog:
    def __init__(self, size: int):
        self._lock = threading.Lock()
        self._entries: deque = deque(maxlen=size)
        self._next_index = 0

    def add(self, entry: dict) -> int:
        with self._lock:
            index = self._next_index
            self._next_index += 1
            self._entries.append({"index": index, **entry})
            return index

    def since(self, index: int = 0) -> list[dict]:
        # From the newest back: a poller asking for the last few calls costs what it gets, not
        # a walk over the whole log while every request thread waits for the lock.
        newer = []
        with self._lock:
            for entry in reversed(self._entries):
                if entry["index"] < index:
                    break
                newer.append(dict(entry))
        newer.reverse()
        return newer

    def clear(self) -> None:
        """Forget the entries; indexes keep counting so a ``since`` cursor stays valid."""
        with self._lock:
            self._entries.clear()

    @property
    def next_index(self) -> int:
        return self._next_index
