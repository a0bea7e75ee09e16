"""The collector's policy across builds (`gcpause.Rebuilds`), with Python's real collector."""

from __future__ import annotations

import gc

import pytest

from plaincrm.gcpause import Rebuilds


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def clean_collector(monkeypatch):
    made: list[Rebuilds] = []
    real_init = Rebuilds.__init__

    def init(self, **kwargs):
        real_init(self, **kwargs)
        made.append(self)

    monkeypatch.setattr(Rebuilds, "__init__", init)
    enabled = gc.isenabled()
    gc.unfreeze()
    gc.enable()
    yield
    for heap in made:  # a compaction still waiting or running would unfreeze the next test's heap
        if heap._timer is not None:
            heap._timer.cancel()
            heap._timer.join()
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
    monkeypatch.setattr(Rebuilds, "IDLE", 600)
    heap = Rebuilds(freeze=True)
    heap.EVERY = 2
    heap.begin()
    heap.end()
    assert heap._timer is None  # one build: nothing due yet
    heap.begin()
    dropped = [Node() for _ in range(20_000)]
    heap.end()
    grown = gc.get_freeze_count()
    del dropped  # cycles: reference counting frees the list alone; the collector does not see the nodes
    assert gc.get_freeze_count() > grown - 1000
    assert heap._timer is not None and heap._timer.interval == Rebuilds.IDLE  # a compaction is waiting
    heap._timer.cancel()
    heap._timer.function()  # what the timer runs once idle (run here: the order of `del` above is the test's)
    assert gc.get_freeze_count() < grown - 20_000  # the 20,000 nodes (and their dicts) are gone
    assert heap._since == 0


def test_the_idle_timer_compacts_on_its_own(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 0.1)
    heap = Rebuilds(freeze=True)
    heap.EVERY = 1
    heap.begin()
    heap.end()
    heap._timer.join(60)
    assert heap._since == 0


def test_a_build_starting_cancels_the_waiting_compaction(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 600)
    heap = Rebuilds(freeze=True)
    heap.EVERY = 1
    heap.begin()
    heap.end()
    waiting = heap._timer
    heap.begin()  # the next edit comes before the idle time is up
    assert waiting.finished.is_set() and heap._since == 1  # cancelled, nothing compacted
    heap.end()


def test_a_compaction_never_runs_under_a_build():
    heap = Rebuilds(freeze=True)
    heap.begin()
    dropped = [Node() for _ in range(20_000)]
    del dropped
    heap.compact()  # the timer firing while a build runs: skipped
    assert not gc.isenabled()
    heap.end()


def test_saves_that_never_leave_it_idle_still_get_compacted_before_a_build(monkeypatch):
    monkeypatch.setattr(Rebuilds, "IDLE", 600)  # the editor saves every second: never idle that long
    heap = Rebuilds(freeze=True)
    heap.EVERY, heap.CEILING = 1, 3
    for _ in range(2):
        heap.begin()
        heap.end()
    heap.begin()
    dropped = [Node() for _ in range(20_000)]
    heap.end()
    grown = gc.get_freeze_count()
    del dropped
    assert heap._since == 3
    heap.begin()  # compacts first
    assert gc.get_freeze_count() < grown - 20_000 and heap._since == 0
    heap.end()
