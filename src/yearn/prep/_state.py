"""Saving fitted scikit-learn transformers as JSON config + numeric arrays, never pickle.

An estimator's ``__dict__`` (parameters and learned attributes) is written as JSON, with
numeric arrays moved to a safetensors file and referenced by key. Loading rebuilds only
classes on an allow-list and refuses anything else, so a saved file cannot run code.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from yearn.errors import DataError

__all__ = ["ALLOWED_CLASSES", "decode_estimator", "encode_estimator"]

ALLOWED_CLASSES = frozenset(
    {
        "sklearn.impute._base.SimpleImputer",
        "sklearn.impute._base.MissingIndicator",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.HashingVectorizer",
        "sklearn.feature_extraction.text.CountVectorizer",
    }
)
_SCALAR_TYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
    "object": object,
    "str": str,
    "float": float,
    "int": int,
}


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode(value: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and not np.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, np.generic):
        return {"__scalar__": value.dtype.str, "value": _encode(value.item(), arrays, key)}
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind in "US":
            items = [_encode(v, arrays, f"{key}.{i}") for i, v in enumerate(value.ravel())]
            return {
                "__objarray__": items,
                "shape": list(value.shape),
                "dtype": "object" if value.dtype == object else value.dtype.str,
            }
        arrays[key] = np.ascontiguousarray(value)
        return {"__array__": key}
    if isinstance(value, np.dtype):
        return {"__dtype__": value.str}
    if isinstance(value, type):
        name = value.__name__ if value.__module__ in ("builtins", "numpy") else None
        if name not in _SCALAR_TYPES:
            raise DataError(f"cannot save attribute {key}: type {value!r} is not supported.")
        return {"__type__": name}
    if isinstance(value, list | tuple):
        tag = "__list__" if isinstance(value, list) else "__tuple__"
        return {tag: [_encode(v, arrays, f"{key}.{i}") for i, v in enumerate(value)]}
    if isinstance(value, set | frozenset):
        return {"__set__": sorted(_encode(v, arrays, key) for v in value)}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise DataError(f"cannot save attribute {key}: a dict with non-string keys.")
        return {"__dict__": {k: _encode(v, arrays, f"{key}.{k}") for k, v in value.items()}}
    if hasattr(value, "get_params"):
        return encode_estimator(value, arrays, key)
    raise DataError(f"cannot save attribute {key} of type {type(value).__name__}.")


def encode_estimator(est: Any, arrays: dict[str, np.ndarray], key: str) -> dict[str, Any]:
    """JSON description of a fitted estimator; its numeric arrays go into ``arrays``."""
    path = _path(type(est))
    if path not in ALLOWED_CLASSES:
        raise DataError(f"cannot save {path}: only {', '.join(sorted(ALLOWED_CLASSES))}.")
    state = {name: _encode(v, arrays, f"{key}.{name}") for name, v in vars(est).items()}
    return {"__estimator__": path, "state": state}


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(value, dict):
        return value
    if "__estimator__" in value:
        return decode_estimator(value, arrays)
    if "__array__" in value:
        if value["__array__"] not in arrays:
            raise DataError(f"array {value['__array__']!r} is missing from the saved arrays.")
        return arrays[value["__array__"]].copy()
    if "__objarray__" in value:
        items = [_decode(v, arrays) for v in value["__objarray__"]]
        dtype = object if value["dtype"] == "object" else np.dtype(value["dtype"])
        out = np.empty(len(items), dtype=dtype)
        out[:] = items
        return out.reshape(value["shape"])
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(_decode(value["value"], arrays))
    if "__dtype__" in value:
        return np.dtype(value["__dtype__"])
    if "__type__" in value:
        if value["__type__"] not in _SCALAR_TYPES:
            raise DataError(f"saved type {value['__type__']!r} is not allowed.")
        return _SCALAR_TYPES[value["__type__"]]
    if "__float__" in value:
        return float(value["__float__"])
    if "__list__" in value:
        return [_decode(v, arrays) for v in value["__list__"]]
    if "__tuple__" in value:
        return tuple(_decode(v, arrays) for v in value["__tuple__"])
    if "__set__" in value:
        return {_decode(v, arrays) for v in value["__set__"]}
    if "__dict__" in value:
        return {k: _decode(v, arrays) for k, v in value["__dict__"].items()}
    raise DataError(f"unreadable saved value {str(value)[:80]!r}.")


def decode_estimator(spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """Rebuild an estimator saved by :func:`encode_estimator` (allow-listed classes only)."""
    path = spec.get("__estimator__")
    if path not in ALLOWED_CLASSES:
        raise DataError(f"refusing to load class {path!r}: not one of yearn's transformers.")
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    est = cls.__new__(cls)
    est.__dict__.update({k: _decode(v, arrays) for k, v in spec["state"].items()})
    return est
