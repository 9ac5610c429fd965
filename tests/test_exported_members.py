"""The public API of ``yearn``: ``__all__`` lists exactly the public names, each resolves to
the object its owning package exports, and ``dir()`` / type checkers see every one."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import types

import pytest

import yearn

_EAGER_PRIVATE = {"__version__"}


def test_all_lists_every_public_name_once_sorted() -> None:
    eager = {
        name
        for name, value in vars(yearn).items()
        if (not name.startswith("_") or name in _EAGER_PRIVATE)
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations", "importlib", "TYPE_CHECKING", "Any"}
    }
    assert set(yearn.__all__) == eager | set(yearn._LAZY)
    assert len(set(yearn.__all__)) == len(yearn.__all__)


def test_no_public_name_is_shadowed_by_a_subpackage() -> None:
    """``yearn.<name>`` must not be both a function and a subpackage (import order decides)."""
    packages = {info.name for info in pkgutil.iter_modules(yearn.__path__)}
    assert not packages & set(yearn.__all__)


@pytest.mark.parametrize("name", sorted(yearn._LAZY))
def test_each_lazy_name_is_its_owners_public_name(name: str) -> None:
    owner = importlib.import_module(yearn._LAZY[name])
    assert name in owner.__all__, f"{name} is not in {owner.__name__}.__all__"
    assert getattr(yearn, name) is getattr(owner, name)
    assert name in dir(yearn)


def test_type_checkers_see_the_lazy_names() -> None:
    """The ``TYPE_CHECKING`` block imports every lazy name from the module that owns it."""
    tree = ast.parse(inspect.getsource(yearn))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    seen = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == yearn._LAZY


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        yearn.not_a_name  # noqa: B018


def test_the_predictions_contract_is_public() -> None:
    from yearn.predictions import Predictions, load_predictions

    assert yearn.load_predictions is load_predictions
    assert yearn.Predictions is Predictions
