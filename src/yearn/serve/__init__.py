"""Serving an exported model: a REST API with micro-batching and a request log.

    from yearn.serve import create_app, RequestLog, columns_of
    app = create_app(model, request_log=RequestLog.for_project(".", columns_of(model.schema)))

``model`` is anything with ``metadata``, ``schema`` and ``predict_frame`` — what
``yearn.ship.load_exported`` returns. ``yearn serve`` runs it with uvicorn.
"""

from yearn.serve._app import LOOPBACK_NAMES, ServableModel, create_app, load_web_files
from yearn.serve._batcher import BatchInfo, MicroBatcher
from yearn.serve._log import LOG_SYNC_MODES, RequestLog, read_request_log, segment_files
from yearn.serve._schema import Column, columns_of, decode_image, request_models, rows_to_frame
from yearn.serve._server import ServerPlan, plan_server, resolve_export

__all__ = [
    "LOG_SYNC_MODES",
    "LOOPBACK_NAMES",
    "BatchInfo",
    "Column",
    "MicroBatcher",
    "RequestLog",
    "ServableModel",
    "ServerPlan",
    "columns_of",
    "create_app",
    "decode_image",
    "load_web_files",
    "plan_server",
    "read_request_log",
    "request_models",
    "resolve_export",
    "rows_to_frame",
    "segment_files",
]
