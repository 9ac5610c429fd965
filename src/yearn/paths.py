"""Where everything of a project lives on disk — the one owner of the ``.yearn`` layout.

A base module: it imports nothing else of yearn, so the store, the split manifest, the
relabel log and the workflow can all ask it for their paths instead of joining strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KEEP_COLUMNS_ENV",
    "PREDICTIONS_ARTIFACT",
    "STATE_DIR",
    "STORE_URL_ENV",
    "ProjectPaths",
]

#: The hidden folder of a project that holds its state.
STATE_DIR = ".yearn"
#: The artefact name of a run's predictions table.
PREDICTIONS_ARTIFACT = "predictions.parquet"
#: The folder beside an edited worksheet that keeps its previous copies.
BACKUP_DIR = ".yearn-backups"
#: The environment variable that points every command at another run store.
STORE_URL_ENV = "YEARN_STORE_URL"
#: Comma-separated columns kept as features although the profile flags them
#: (``--keep-column``; adds to ``[features] keep``).
KEEP_COLUMNS_ENV = "YEARN_KEEP_COLUMNS"


@dataclass(frozen=True)
class ProjectPaths:
    """The paths of one project folder; nothing is created by asking."""

    root: Path

    def __init__(self, root: str | Path) -> None:
        object.__setattr__(self, "root", Path(root))

    @property
    def config_file(self) -> Path:
        return self.root / "yearn.toml"

    @property
    def state_dir(self) -> Path:
        """``<root>/.yearn``: the run store, artefacts, manifest and logs."""
        return self.root / STATE_DIR

    @property
    def store_db(self) -> Path:
        """The default SQLite run store."""
        return self.state_dir / "runs.db"

    @property
    def artifacts(self) -> Path:
        return self.state_dir / "artifacts"

    def run_dir(self, run_id: str) -> Path:
        """The artefact folder of one run."""
        return self.artifacts / run_id

    @property
    def manifest(self) -> Path:
        return self.state_dir / "splits.parquet"

    @property
    def manifest_sidecar(self) -> Path:
        return self.state_dir / "splits.json"

    @property
    def relabel_log(self) -> Path:
        return self.state_dir / "relabel_log.jsonl"

    @property
    def feature_screen(self) -> Path:
        """Columns the data profile flagged as leaky or id-like (left out of features)."""
        return self.state_dir / "feature_screen.json"

    @property
    def worksheets(self) -> Path:
        return self.state_dir / "worksheets"

    def worksheet(self, run_id: str) -> Path:
        """The error-analysis worksheet of one run."""
        return self.worksheets / f"{run_id}.csv"

    @property
    def workflow_state(self) -> Path:
        return self.state_dir / "workflow.json"

    @property
    def workflow_results(self) -> Path:
        return self.state_dir / "workflow"

    @property
    def exports(self) -> Path:
        """Exported inference models (``yearn export``), one folder each."""
        return self.state_dir / "exports"

    @property
    def request_log(self) -> Path:
        """The append-only request log of ``yearn serve`` (read by monitoring)."""
        return self.state_dir / "requests"

    @property
    def monitor(self) -> Path:
        """Monitoring results and audit worksheets."""
        return self.state_dir / "monitor"

    @property
    def e2e(self) -> Path:
        """The last end-to-end vs pipeline comparison (``yearn e2e-compare``)."""
        return self.state_dir / "e2e"

    @property
    def mismatch(self) -> Path:
        """The last ``yearn mismatch`` result (JSON + HTML) and ``yearn synthesize`` records."""
        return self.state_dir / "mismatch"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    def is_state_path(self, path: Path) -> bool:
        """True when ``path`` lies inside the project's ``.yearn`` folder."""
        return STATE_DIR in Path(path).parts
