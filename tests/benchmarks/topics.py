"""Benchmarks delete the topics they created: left behind, they pile up run after run, and every
client that reads the whole cluster's metadata (a worker's start, ~35 times) is measured slower
on the next run for them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from streams.topics.admin import admin_client

#: topics deleted per request
DELETE_CHUNK = 100


@contextlib.contextmanager
def deleting_topics_named(bootstrap: str, *marks: str) -> Iterator[None]:
    """When the block ends, deletes every topic whose name holds one of ``marks`` (a run's own
    marks, so that two runs at once keep each other's topics)."""
    try:
        yield
    finally:
        with admin_client(bootstrap) as admin:
            created = sorted(t for t in admin.list_topics() if any(m in t for m in marks))
            for start in range(0, len(created), DELETE_CHUNK):
                admin.delete_topics(created[start : start + DELETE_CHUNK])
        print(f"deleted the {len(created):,} topics this run created", flush=True)
