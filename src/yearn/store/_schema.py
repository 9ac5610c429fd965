"""Tables of the run store (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "yearn_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("status", String(16), nullable=False),  # running | completed | failed
    Column("config", Text, nullable=False),  # JSON
    Column("code_version", Text, nullable=False),  # JSON
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("proc_start", String(32), nullable=True),  # to tell a reused pid apart
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("split", String(40), nullable=True),
    Column("step", Integer, nullable=True),
    Column("value", Float, nullable=True),
    Column("logged_at", DateTime(timezone=True), nullable=False),
    Index("ix_metrics_run", "run_id", "name", "split", "step"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("run_id", String(40), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("path", Text, nullable=False),  # relative to the artefact root
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("logged_at", DateTime(timezone=True), nullable=False),
)

test_looks = Table(
    "test_looks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=True),
    Column("model", String(200), nullable=False),
    Column("metric", String(64), nullable=True),
    Column("value", Float, nullable=True),
    Column("looked_at", DateTime(timezone=True), nullable=False),
)

# Which run/export is in production: one row per promotion, newest is the current one.
# Added after schema version 1 without a version bump: create_all adds it to existing
# stores, and older yearn versions simply do not read it.
deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("parent_run_id", String(40), nullable=True),
    Column("export_path", Text, nullable=True),
    Column("data_fingerprint", String(64), nullable=True),
    Column("reason", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON: the numbers behind the decision
    Column("deployed_at", DateTime(timezone=True), nullable=False),
)
