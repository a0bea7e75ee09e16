"""writing.Batch: many files with one flush; each still all old or all new, a clash refused per file."""

from __future__ import annotations

import os

from plaincrm.write.atomic import Batch, FileChanged


def test_a_batch_writes_all_but_what_clashed_and_leaves_no_temporary_file(tmp_path):
    kept, changed, taken = tmp_path / "kept.yaml", tmp_path / "changed.yaml", tmp_path / "taken.yaml"
    kept.write_bytes(b"old")
    changed.write_bytes(b"old")
    taken.write_bytes(b"someone else's")
    batch = Batch()
    batch.replace(kept, b"new", expect=b"old")
    batch.replace(changed, b"new", expect=b"old")
    batch.create(taken, "mine")
    batch.create(tmp_path / "fresh.yaml", "fresh")
    changed.write_bytes(b"edited meanwhile")  # after staging, before the commit
    results = batch.commit()
    assert results[0] is None and isinstance(results[1], FileChanged) and isinstance(results[2], FileExistsError)
    assert results[3] is None
    assert kept.read_bytes() == b"new" and changed.read_bytes() == b"edited meanwhile"
    assert taken.read_bytes() == b"someone else's" and (tmp_path / "fresh.yaml").read_text() == "fresh"
    assert sorted(os.listdir(tmp_path)) == ["changed.yaml", "fresh.yaml", "kept.yaml", "taken.yaml"]


def test_nothing_is_in_place_before_the_commit(tmp_path):
    target = tmp_path / "a.yaml"
    batch = Batch()
    batch.create(target, "x")
    assert not target.exists()
    assert batch.commit() == [None] and target.read_text() == "x"
