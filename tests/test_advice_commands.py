"""Every next step yearn advises names a command (and options) that exist."""

from __future__ import annotations

import re

import pytest
import typer

from yearn.cli import app
from yearn.diagnose import _advice

ADVICE_TEXTS = [step for steps in _advice.NEXT_STEPS.values() for step in steps] + [
    _advice.NOTHING_STANDS_OUT,
    _advice.TOO_GOOD,
    _advice.BELOW_HUMAN,
    _advice.UNDECIDED,
]
INVOCATION = re.compile(r"yearn ([a-z][a-z-]*)((?: --?[a-z][a-z-]*(?: [^\s,;:)]+)?)*)")


def _commands() -> dict:
    group = typer.main.get_command(app)
    return {name: cmd for name, cmd in group.commands.items()}


@pytest.mark.parametrize("text", ADVICE_TEXTS)
def test_each_advised_command_and_option_exists(text: str) -> None:
    commands = _commands()
    found = INVOCATION.findall(text)
    for name, tail in found:
        if name == "command":  # prose: "names the yearn command"
            continue
        assert name in commands, f"advice names `yearn {name}`, which does not exist: {text}"
        options = {opt for p in commands[name].params for opt in p.opts}
        for flag in re.findall(r"--?[a-z][a-z-]*", tail):
            assert flag in options, f"`yearn {name}` has no {flag}: {text}"


def test_the_checker_catches_a_missing_command_and_option() -> None:
    commands = _commands()
    name, _ = INVOCATION.findall("then yearn train --no-such-flag 3")[0]
    assert name in commands
    assert "--no-such-flag" not in {o for p in commands[name].params for o in p.opts}
    assert "teleport" not in commands


def test_a_mismatch_next_step_points_to_synthesis() -> None:
    assert any("yearn synthesize" in s for s in _advice.NEXT_STEPS["data_mismatch"])
