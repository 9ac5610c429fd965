"""No silent wrong answers: one store rule, diagnose without dev, ids as labels, rates."""

from __future__ import annotations

import json

from tests._toy_project import TOY_TOML, toy_table
from yearn.store import open_store


def _toy(root, extra: str = ""):
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(TOY_TOML + extra)
    toy_table("w", 60, 0).to_csv(root / "web.csv", index=False)
    toy_table("p", 40, 1).to_csv(root / "phone.csv", index=False)
    return root


def test_runs_uses_the_store_named_in_yearn_toml(tmp_path, cli, monkeypatch):
    elsewhere = tmp_path / "shared" / "runs.db"
    elsewhere.parent.mkdir()
    url = f"sqlite:///{elsewhere}"
    project = _toy(tmp_path / "p", f'\n[store]\nurl = "{url}"\n')
    with open_store(project, url=url) as store, store.run("kept", "train"):
        pass
    res = cli("runs", "--project", project, "--json")
    assert res.exit_code == 0, res.output
    assert [r["name"] for r in json.loads(res.output)] == ["kept"]
    assert not (project / ".yearn" / "runs.db").exists()  # no empty store created
    # the same rule in the library: open_store(root) and Project agree
    from yearn.project import Project

    assert Project(project).store_url == url
    with open_store(project) as store:
        assert [r.name for r in store.list_runs()] == ["kept"]
    # the environment beats the file, an explicit URL beats both
    other = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("YEARN_STORE_URL", other)
    assert Project(project).store_url == other
    assert json.loads(cli("runs", "--project", project, "--json").output) == []
    assert Project(project, store_url=url).store_url == url


def test_runs_without_any_store_creates_nothing(tmp_path, cli):
    project = _toy(tmp_path / "p")
    res = cli("runs", "--project", project)
    assert res.exit_code == 0 and "No runs yet" in res.output
    assert not (project / ".yearn" / "runs.db").exists()
