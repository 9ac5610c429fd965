"""The run store: runs, per-step metrics per split, and artefacts with their sha256.

SQLite in the project folder by default (WAL mode, busy timeout), PostgreSQL when given a
URL (``open_store(root, url=...)`` or ``$YEARN_STORE_URL``).
"""

from yearn.store._deployments import Deployment
from yearn.store._records import ArtifactRecord, RunRecord
from yearn.store._run import Run
from yearn.store._store import STORE_URL_ENV, RunStore, open_store

__all__ = [
    "STORE_URL_ENV",
    "ArtifactRecord",
    "Deployment",
    "Run",
    "RunRecord",
    "RunStore",
    "open_store",
]
