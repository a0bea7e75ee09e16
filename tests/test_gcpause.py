"""The collector's policy across builds (`gcpause.Rebuilds`), with Python's real collector."""

from __future__ import annotations

import gc
import time

import pytest

from plaincrm.gcpause import Rebuilds


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def clean_collector():
    enabled = gc.isenabled()
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_no_collection_during_a_build_and_the_collector_back_after_it():
    heap = Rebuilds(freeze=False)
    heap.begin()
    assert not gc.isenabled()
    heap.begin()  # on_config twice (a failed build's retry): still one pause
    heap.end()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    heap.end()  # on_build_error after on_post_build: nothing more to do
    assert gc.isenabled()


def test_a_collector_off_before_the_build_stays_off():
    gc.disable()
    heap = Rebuilds(freeze=False)
    heap.begin()
    heap.end()
    assert not gc.isenabled()


def test_serving_freezes_what_a_build_left_alive_so_collections_skip_it():
    heap = Rebuilds(freeze=True)
    heap.begin()
    kept = [Node() for _ in range(1000)]
    heap.end()
    assert gc.get_freeze_count() >= 1000
    assert all(not any(node is o for o in gc.get_objects()) for node in kept[:3])  # out of the collector's sight


def test_frozen_cycles_a_later_build_dropped_are_freed_by_compaction_when_idle(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 0.2)
    heap = Rebuilds(freeze=True)
    heap.begin()
    heap.end()  # the first build: the size to compare with
    first = gc.get_freeze_count()
    heap.begin()
    dropped = [Node() for _ in range(max(first, 10_000))]  # grows the frozen heap past GROWTH
    heap.end()
    grown = gc.get_freeze_count()
    assert grown > first * Rebuilds.GROWTH
    del dropped  # cycles: reference counting frees the list alone; the collector does not see the nodes
    assert gc.get_freeze_count() > grown - 1000  # (other frozen objects may be freed meanwhile)
    deadline = time.monotonic() + 10
    while gc.get_freeze_count() >= grown - 10_000 // 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gc.get_freeze_count() < grown - 10_000 // 2


def test_a_build_starting_cancels_the_waiting_compaction(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 0.3)
    heap = Rebuilds(freeze=True)
    heap.begin()
    heap.end()
    heap.begin()
    dropped = [Node() for _ in range(max(gc.get_freeze_count(), 10_000))]  # past GROWTH, below CEILING
    heap.end()
    del dropped
    grown = gc.get_freeze_count()
    assert grown < heap._compacted * Rebuilds.CEILING
    heap.begin()  # the next edit comes before the idle time is up
    time.sleep(0.6)
    assert gc.get_freeze_count() > grown - 1000  # not compacted under a running build (10,000 nodes still there)
    heap.end()


def test_saves_that_never_leave_it_idle_still_get_compacted_before_a_build(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 60)  # the editor saves every second: never idle that long
    heap = Rebuilds(freeze=True)
    heap.begin()
    heap.end()
    first = gc.get_freeze_count()
    heap.begin()
    dropped = [Node() for _ in range(max(3 * first, 30_000))]
    heap.end()
    del dropped
    grown = gc.get_freeze_count()
    assert grown > first * Rebuilds.CEILING
    heap.begin()  # compacts first
    assert gc.get_freeze_count() < grown - 30_000 // 2
    heap.end()
