"""Import costs the layers promise: the analyses load without torch."""

from __future__ import annotations

import subprocess
import sys


def _loaded(code: str, *modules: str) -> dict[str, bool]:
    probe = (
        f"{code}\nimport sys\n"
        f"print('loaded:', *(m in sys.modules for m in {modules!r}), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    words = out.stderr.strip().splitlines()[-1].split()
    assert words[0] == "loaded:", out.stderr
    return dict(zip(modules, (w == "True" for w in words[1:]), strict=True))


def test_diagnose_does_not_import_torch() -> None:
    assert _loaded("import yearn.diagnose", "torch", "yearn.diagnose") == {
        "torch": False,
        "yearn.diagnose": True,
    }


def test_train_imports_torch() -> None:
    """The effect case of the probe above: a module that needs torch is seen to load it."""
    assert _loaded("import yearn.train", "torch") == {"torch": True}


def test_cli_help_loads_no_data_stack() -> None:
    """``yearn --help`` (every command registered) loads neither pandas nor SQLAlchemy."""
    code = (
        "import sys\nsys.argv = ['yearn', '--help']\nfrom yearn.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded(code, "pandas", "sqlalchemy", "torch", "yearn.cli")
    assert loaded == {"pandas": False, "sqlalchemy": False, "torch": False, "yearn.cli": True}


def test_a_command_loads_the_data_stack() -> None:
    """The effect case: running a command that reads a table does load pandas."""
    code = "import yearn.cli, yearn.predictions"
    assert _loaded(code, "pandas") == {"pandas": True}
