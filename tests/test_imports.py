"""Import costs the layers promise: the analyses load without torch."""

from __future__ import annotations

import subprocess
import sys


def _loaded(code: str, *modules: str) -> dict[str, bool]:
    probe = f"{code}\nimport sys\nprint(' '.join(str(m in sys.modules) for m in {modules!r}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return dict(zip(modules, (w == "True" for w in out.stdout.split()), strict=True))


def test_diagnose_does_not_import_torch() -> None:
    assert _loaded("import yearn.diagnose", "torch", "yearn.diagnose") == {
        "torch": False,
        "yearn.diagnose": True,
    }


def test_train_imports_torch() -> None:
    """The effect case of the probe above: a module that needs torch is seen to load it."""
    assert _loaded("import yearn.train", "torch") == {"torch": True}
