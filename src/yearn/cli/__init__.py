"""The ``yearn`` command line: a thin layer over the library.

Each command lives in its own module of this package with a ``register(app)`` function;
add the module's name to ``COMMAND_MODULES`` to plug it in. User errors
(:class:`yearn.errors.YearnError`) print one line and exit 2; anything else is a bug and
exits 1 with its traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import typer
from rich.markup import escape

# typer vendors click; its exception classes are the ones raised at run time
from typer._click import exceptions as click_exc
from typer.core import TyperGroup

from yearn._version import __version__
from yearn.cli._console import err_console
from yearn.errors import YearnError, shorten_quotes

__all__ = ["COMMAND_MODULES", "app", "main"]

#: Modules of ``yearn.cli`` whose ``register(app)`` adds commands, in help order.
COMMAND_MODULES = [
    "init",
    "demo",
    "run",
    "check",
    "profile",
    "split",
    "baseline",
    "train",
    "scale_up",
    "tune",
    "diagnose",
    "best",
    "compare",
    "errors",
    "labels",
    "slices",
    "transfer",
    "multitask",
    "e2e",
    "operating_point",
    "ship",
    "compress",
    "serve",
    "monitor",
    "mismatch",
    "retrain",
    "report",
    "ui",
    "runs",
]


class _YearnGroup(TyperGroup):
    """Turns library errors into one clear line and exit code 2."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except YearnError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, click_exc.ClickException):
            raise
        except BrokenPipeError:
            # the reader went away (`yearn ... | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            err_console.print(
                f"[bold red]internal error (a bug in yearn, please report it):[/] "
                f"{type(exc).__name__}: {escape(shorten_quotes(str(exc)))}",
                highlight=False,
                soft_wrap=True,
            )
            if os.environ.get("YEARN_DEBUG", "1") != "0":
                sys.stderr.write(traceback.format_exc())
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_YearnGroup,
    name="yearn",
    help="Structure a machine-learning project: profile, split, train, diagnose, ship.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"yearn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """yearn: the workflow of a machine-learning project, executable."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"yearn.cli.{_name}").register(app)


def main() -> None:
    """Entry point of the ``yearn`` console script."""
    app()
