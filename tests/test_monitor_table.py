"""Reading production data: the request log's live segments once each, one id per row
when a request has several rows, labels joined on those ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.monitor import Reference, monitor, open_table
from yearn.monitor._table import row_ids


def _seg(first: int, last: int) -> str:
    return f"part-0123abcd-{first:012d}-{last:012d}.parquet"


def test_request_log_segments_counted_once_and_rows_get_ids(tmp_path):
    rng = np.random.default_rng(0)
    log = tmp_path / "requests"
    log.mkdir()

    def batch(rid, n):
        return pd.DataFrame(
            {
                "time": pd.Timestamp("2026-02-01", tz="UTC"),
                "request_id": [rid] * n,
                "x": rng.normal(size=n),
                "pred": "a",
                "proba:a": 0.8,
                "proba:b": 0.2,
            }
        )

    one, two = batch("r1", 3), batch("r2", 1)
    one.to_parquet(log / _seg(1, 1))
    two.to_parquet(log / _seg(2, 2))
    pd.concat([one, two]).to_parquet(log / _seg(1, 2))  # merged; a crash left the small ones
    table = open_table(log)
    assert table.n == 4
    assert row_ids(table, "request_id").tolist() == ["r1:0", "r1:1", "r1:2", "r2:0"]
    reference = Reference.build(pd.DataFrame({"x": rng.normal(size=500)}))
    labels = pd.DataFrame({"request_id": ["r1:1", "r2:0"], "label": ["a", "b"]})
    result = monitor(reference, log, window="1d", labels=labels, domain=False)
    assert result.windows[0].labelled.n == 2 and result.windows[0].labelled.value == 0.5


def test_reading_columns_imports_neither_the_profile_nor_scikit_learn(tmp_path):
    """The memory contract of the 1M-row benchmark: the column pass (id-like rule
    included) needs NumPy, pandas and Arrow only; scikit-learn comes with the domain
    classifier and not before."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(400),
            "x": rng.normal(size=400),
            "colour": rng.choice(["red", "blue"], 400),
        }
    )
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    code = f"""
import sys
from yearn.monitor import Reference, monitor
ref = Reference.build({str(tmp_path / "t.parquet")!r})
result = monitor(ref, {str(tmp_path / "t.parquet")!r}, window="200rows", domain=False)
assert "id" in result.excluded, result.excluded
print(sorted(m for m in ("sklearn", "scipy.stats", "yearn.profile") if m in sys.modules))
monitor(ref, {str(tmp_path / "t.parquet")!r}, window="200rows")
print("sklearn" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"], out.stdout + out.stderr
