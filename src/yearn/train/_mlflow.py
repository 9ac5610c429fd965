"""MLflow bridge: log a training run while it trains (``[tracking] mlflow``) and export
stored runs (``yearn runs export --mlflow URI``): parameters, per-epoch metrics per split
(``<split>_<name>``, step = epoch) and artefacts. Telemetry is off; yearn sends nothing
anywhere but to the given URI."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from yearn.train._callbacks import Callback

__all__ = ["MLflowLogger", "export_runs", "mlflow_client"]

YEARN_RUN_TAG = "yearn.run_id"


def mlflow_client(uri: str) -> Any:
    """An ``MlflowClient`` on ``uri`` with MLflow's telemetry switched off."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from mlflow.tracking import MlflowClient

    # MLflow logs its database migrations at INFO to stderr; the library never prints
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    return MlflowClient(tracking_uri=uri)


def _experiment(client: Any, uri: str, name: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if uri.startswith("sqlite:///"):  # artefacts next to the database, not in the cwd
        db = Path(uri[len("sqlite:///") :]).resolve()
        location = (db.parent / "mlartifacts" / name).as_uri()
    return client.create_experiment(name, artifact_location=location)


def _params(config: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in config.items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[key] = text[:6000]
    return out


class MLflowLogger(Callback):
    """Log to MLflow while training: the parameters at the start, each epoch's
    ``<split>_loss`` / ``<split>_<metric>`` and ``lr``; the run ends with the fit."""

    order = 50

    def __init__(self, uri: str, experiment: str = "yearn", run_name: str | None = None) -> None:
        self.uri = uri
        self.experiment = experiment
        self.run_name = run_name
        self.run_id: str | None = None
        self._client: Any = None
        self._status = "FAILED"

    def on_fit_start(self, state: Any) -> None:
        self._client = mlflow_client(self.uri)
        exp = _experiment(self._client, self.uri, self.experiment)
        run = self._client.create_run(exp, run_name=self.run_name)
        self.run_id = run.info.run_id
        for key, value in _params(state.config.to_dict()).items():
            self._client.log_param(self.run_id, key, value)

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        from mlflow.entities import Metric

        step, now = state.epoch + 1, _now_ms()
        metrics = [
            Metric(_key(k, state.metric_label), float(v), now, step) for k, v in logs.items()
        ]
        metrics.append(Metric("lr", float(state.history[-1]["lr"]), now, step))
        self._client.log_batch(self.run_id, metrics=metrics)

    def on_fit_end(self, state: Any) -> None:
        self._status = "FINISHED"

    def on_teardown(self, state: Any) -> None:
        if self._client is not None and self.run_id is not None:
            self._client.set_terminated(self.run_id, status=self._status)

    def log_run_files(self, folder: str | Path, yearn_run_id: str | None) -> None:
        """After the run is recorded: its artefacts and the yearn run id as a tag."""
        if self.run_id is None:
            return
        if yearn_run_id:
            self._client.set_tag(self.run_id, YEARN_RUN_TAG, yearn_run_id)
        if Path(folder).is_dir():
            self._client.log_artifacts(self.run_id, str(folder))


def _key(log_key: str, metric_label: str) -> str:
    split, _, name = log_key.rpartition("_")
    return f"{split}_{'loss' if name == 'loss' else metric_label}"


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def export_runs(
    store: Any, uri: str, *, experiment: str = "yearn", run_ids: list[str] | None = None
) -> list[dict[str, str]]:
    """Copy completed runs of the run store into MLflow (once: a run already exported,
    found by its ``yearn.run_id`` tag, is skipped). Returns ``{yearn_run, mlflow_run,
    status}`` per run (``exported`` or ``already exported``)."""
    from mlflow.entities import Metric, Param, RunTag

    client = mlflow_client(uri)
    exp = _experiment(client, uri, experiment)
    records = [store.get_run(r) for r in run_ids] if run_ids else store.list_runs()
    out = []
    for record in sorted(records, key=lambda r: r.started_at):
        if record.status != "completed":
            continue
        seen = client.search_runs([exp], filter_string=f"tags.`{YEARN_RUN_TAG}` = '{record.id}'")
        if seen:
            out.append(_row(record.id, seen[0].info.run_id, "already exported"))
            continue
        run = client.create_run(exp, run_name=record.name, start_time=_ms(record.started_at))
        rid = run.info.run_id
        frame = store.metrics(record.id)
        metrics = [
            Metric(f"{s}_{n}" if s else n, float(v), _ms(record.started_at), int(step or 0))
            for n, s, step, v in frame[["name", "split", "step", "value"]].itertuples(index=False)
        ]
        tags = [RunTag(YEARN_RUN_TAG, record.id), RunTag("yearn.kind", record.kind)]
        params = [Param(k, v) for k, v in _params(record.config or {}).items()]
        for start in range(0, max(len(metrics), 1), 1000):  # MLflow's batch limit
            client.log_batch(
                rid,
                metrics=metrics[start : start + 1000],
                params=params if start == 0 else [],
                tags=tags if start == 0 else [],
            )
        folder = Path(store.artifact_root) / record.id
        if folder.is_dir():
            client.log_artifacts(rid, str(folder))
        end = _ms(record.ended_at) if record.ended_at else None
        client.set_terminated(rid, status="FINISHED", end_time=end)
        out.append(_row(record.id, rid, "exported"))
    return out


def _row(yearn_run: str, mlflow_run: str, status: str) -> dict[str, str]:
    return {"yearn_run": yearn_run, "mlflow_run": mlflow_run, "status": status}


def _ms(when: Any) -> int:
    return int(when.timestamp() * 1000)
