"""Token buckets that keep a flood of identical log records from filling the disk.

A record's *site* is where it was logged from (logger, level, file, line), not its
text: Reflex formats its messages with f-strings, so a thousand bad events make a
thousand different messages from one line of code. Each site gets a bucket
(``burst`` records at once, then ``per_second``), and all sites share a global bucket
on top, so many noisy sites at once are bounded too. What a bucket refuses is
counted, and the count is reported: appended to the site's next record that gets
through, or as a summary line once ``summary_interval_s`` has passed (see
:meth:`RateLimiter.due_summaries`).

The table of sites is bounded (least recently used sites are forgotten first), so
records from an unbounded set of logger names cannot grow memory either.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    suppressed: int = 0
    #: When the site was last reported (a record through, or a summary).
    reported: float = 0.0
    sample: str = field(default="")


@dataclass(frozen=True, slots=True)
class Summary:
    """``count`` records from ``site`` were dropped; ``sample`` shows what they looked like."""

    site: Hashable
    count: int
    sample: str


class RateLimiter:
    """Per-site and global token buckets; thread-safe.

    Args:
        burst / per_second: each site's bucket.
        global_burst / global_per_second: the bucket every site also draws from.
        summary_interval_s: how long suppressed counts may wait before a summary is due.
        max_sites: sites remembered at most.
        clock: injectable for tests.
    """

    def __init__(
        self,
        *,
        burst: int = 20,
        per_second: float = 0.5,
        global_burst: int = 200,
        global_per_second: float = 10.0,
        summary_interval_s: float = 60.0,
        max_sites: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.global_burst = global_burst
        self.global_per_second = global_per_second
        self.summary_interval_s = summary_interval_s
        self.max_sites = max_sites
        self._clock = clock
        self._lock = threading.Lock()
        self._sites: OrderedDict[Hashable, _Bucket] = OrderedDict()
        now = clock()
        self._global = _Bucket(tokens=float(global_burst), updated=now, reported=now)
        self._next_summary_check = now + summary_interval_s
        #: Records refused since creation (all sites).
        self.total_suppressed = 0

    @staticmethod
    def _refill(bucket: _Bucket, now: float, capacity: int, rate: float) -> None:
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(capacity), bucket.tokens + elapsed * rate)
        bucket.updated = now

    def hit(self, site: Hashable, sample: str = "") -> tuple[bool, int]:
        """One record from ``site``: ``(allowed, suppressed_before)``.

        ``suppressed_before`` is how many records from this site were dropped since it
        was last reported; it is non-zero only when ``allowed`` (the caller mentions it
        in this record), and it is then reset.
        """
        with self._lock:
            now = self._clock()
            bucket = self._sites.get(site)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=now, reported=now)
                self._sites[site] = bucket
                if len(self._sites) > self.max_sites:
                    self._sites.popitem(last=False)
            else:
                self._sites.move_to_end(site)
            self._refill(bucket, now, self.burst, self.per_second)
            self._refill(self._global, now, self.global_burst, self.global_per_second)
            if bucket.tokens >= 1.0 and self._global.tokens >= 1.0:
                bucket.tokens -= 1.0
                self._global.tokens -= 1.0
                dropped, bucket.suppressed, bucket.reported = bucket.suppressed, 0, now
                return True, dropped
            bucket.suppressed += 1
            if not bucket.sample:
                bucket.sample = sample
            self.total_suppressed += 1
            return False, 0

    def due_summaries(self, *, force: bool = False) -> list[Summary]:
        """Suppressed counts not reported for ``summary_interval_s`` (all of them if ``force``).

        Cheap to call on every record: the table is scanned at most once per interval.
        """
        with self._lock:
            now = self._clock()
            if not force and now < self._next_summary_check:
                return []
            self._next_summary_check = now + self.summary_interval_s
            due = []
            for site, bucket in self._sites.items():
                if bucket.suppressed and (
                    force or now - bucket.reported >= self.summary_interval_s
                ):
                    due.append(Summary(site, bucket.suppressed, bucket.sample))
                    bucket.suppressed, bucket.reported, bucket.sample = 0, now, ""
            return due
