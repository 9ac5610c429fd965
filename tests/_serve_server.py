"""Run the tiny model's API with uvicorn (for the crash test): python -m tests._serve_server
FOLDER PORT MERGE_EVERY."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from tests._serve_model import TinyTabular
from yearn.serve import RequestLog, columns_of, create_app

if __name__ == "__main__":
    folder, port, merge_every = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    model = TinyTabular(folder)
    log = RequestLog(folder / "requests", columns_of(model.schema), merge_every=merge_every)
    app = create_app(model, request_log=log, max_batch=8, max_wait_ms=2)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
