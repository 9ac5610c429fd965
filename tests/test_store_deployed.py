"""The deployed pointer in the run store: history, lineage, and old stores gaining it."""

from __future__ import annotations

import sqlite3

import pytest

from yearn.errors import StoreError
from yearn.store import open_store


def _completed(store, name="m"):
    with store.run(name, "train") as run:
        return run.id


def test_nothing_deployed_then_promotions_newest_first(tmp_path):
    with open_store(tmp_path) as store:
        assert store.deployed() is None
        first = _completed(store)
        second = _completed(store)
        store.set_deployed(first, reason="initial", data_fingerprint="abc")
        store.set_deployed(second, parent_run_id=first, export_path="exp/2", details={"n": 3})
        current = store.deployed()
        assert current.run_id == second and current.parent_run_id == first
        assert current.details == {"n": 3} and current.export_path == "exp/2"
        history = store.deployments()
        assert [d.run_id for d in history] == [second, first]
        assert history[1].data_fingerprint == "abc"
        assert current.to_dict()["deployed_at"]


def test_failed_or_unknown_run_cannot_be_deployed(tmp_path):
    with open_store(tmp_path) as store:
        run = store.start_run("m", "train")
        run.finish("failed", error="boom")
        with pytest.raises(StoreError, match="only a completed run"):
            store.set_deployed(run.id)
        with pytest.raises(StoreError, match="no run"):
            store.set_deployed("nope")


def test_an_existing_store_without_the_table_gains_it(tmp_path):
    with open_store(tmp_path) as store:
        run_id = _completed(store)
    db = tmp_path / ".yearn" / "runs.db"
    with sqlite3.connect(db) as conn:  # a store made before the deployed pointer existed
        conn.execute("DROP TABLE deployments")
    with open_store(tmp_path) as store:
        assert store.deployed() is None
        store.set_deployed(run_id)
        assert store.deployed().run_id == run_id
        assert store.get_run(run_id).status == "completed"
