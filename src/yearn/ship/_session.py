"""How yearn opens onnxruntime sessions (export parity, compress timings, predict, serve):
one place, so every variant of a model runs under the same settings. No torch import."""

from __future__ import annotations

from typing import Any

from yearn.errors import ConfigError

__all__ = ["DISABLED_OPTIMIZERS", "OPTIMIZATION_LEVELS", "ort_session"]

#: onnxruntime graph transformers turned off in every session yearn opens. The QDQ
#: propagation pass moves a ``QuantizeLinear`` up over ``MaxPool``; where int8 starts after
#: a float convolution (see ``yearn.ship._quantize``) that turns the fast float MaxPool into
#: onnxruntime's uint8 NCHW MaxPool, measured 10 ms against 0.05 ms at batch 256 on the
#: digits CNN. A float graph has no ``QuantizeLinear``, so this changes nothing there.
DISABLED_OPTIMIZERS = ("QDQPropagationTransformer",)
OPTIMIZATION_LEVELS = ("all", "extended", "basic", "disable")


def ort_session(
    model_bytes: bytes,
    *,
    threads: int = 1,
    optimization: str = "all",
    profile_prefix: str | None = None,
    optimized_path: str | None = None,
) -> Any:
    """An onnxruntime CPU session: ``threads`` intra-op threads, one inter-op thread,
    graph optimisation ``optimization`` (all, extended, basic, disable) and
    :data:`DISABLED_OPTIMIZERS` off; optionally onnxruntime's per-node profiler
    (``profile_prefix``) or the optimised graph written to ``optimized_path``."""
    import onnxruntime as ort

    levels = {
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    }
    if optimization not in levels:
        raise ConfigError(
            f"optimization must be one of {', '.join(OPTIMIZATION_LEVELS)}; got {optimization!r}."
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = levels[optimization]
    options.log_severity_level = 3
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    if optimized_path is not None:
        options.optimized_model_filepath = optimized_path
    return ort.InferenceSession(
        model_bytes,
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=list(DISABLED_OPTIMIZERS),
    )
