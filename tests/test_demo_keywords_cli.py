"""``yearn demo --keywords``: the audio demo from the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from yearn.cli import app


def test_keyword_demo_is_built_and_checks(tmp_path):
    root = tmp_path / "kw"
    runner = CliRunner()
    out = runner.invoke(app, ["demo", "--keywords", "--dir", str(root), "--no-run", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["kind"] == "keywords" and data["project"] == str(root)
    assert len(list((root / "noise" / "varied").glob("*.wav"))) == 40
    assert len(list((root / "noise" / "one").glob("*.wav"))) == 1
    checked = runner.invoke(app, ["check", "--project", str(root)])
    assert checked.exit_code == 0, checked.output
    again = runner.invoke(app, ["demo", "--keywords", "--dir", str(root), "--no-run"])
    assert again.exit_code == 2 and "not empty" in again.output
