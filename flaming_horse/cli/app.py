"""The Typer app: wiring only. Each command lives in its own module; errors are printed once here."""

from __future__ import annotations

import sys
import traceback

import typer
from rich.markup import escape

from flaming_horse.cli import (
    build, create, doctor, qc, render, reset, serve_voice, status, voices,
)
from flaming_horse.cli.common import err_console
from flaming_horse.errors import FlamingHorseError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Turn a topic or a Markdown script into a narrated, explanatory Manim video.")
_options = {"verbose": False}


@app.callback()
def main_options(verbose: bool = typer.Option(False, "--verbose", "-v",
                                              help="Show tracebacks and tool output on errors.")) -> None:
    _options["verbose"] = verbose


app.command()(create.create)
app.command()(build.build)
app.command()(render.render)
app.command()(status.status)
app.command()(reset.reset)
app.command()(qc.qc)
app.command()(doctor.doctor)
app.command()(voices.voices)
app.command(name="serve-voice")(serve_voice.serve_voice)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code. Typer handles usage errors and --help (via SystemExit);
    our errors are printed once here, with a traceback only under --verbose."""
    args = sys.argv[1:] if argv is None else argv
    _options["verbose"] = bool({"--verbose", "-v"} & set(args))
    try:
        app(args=args, prog_name="flaming-horse")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code == 130:  # Typer turns Ctrl-C into exit code 130
            err_console.print("[yellow]interrupted.[/] Finished work is kept: run the same "
                              "command again to resume.")
        return code
    except FlamingHorseError as exc:
        _print_error(exc.message, exc.hint)
        return 1
    except Exception as exc:  # a bug, not a user error: still one message, traceback on request
        _print_error(f"unexpected error: {type(exc).__name__}: {exc}",
                     "run again with --verbose for the traceback, and report it with the "
                     "project's log/ folder")
        return 1
    return 0


def _print_error(message: str, hint: str | None) -> None:
    if _options["verbose"]:
        err_console.print(traceback.format_exc(), markup=False, highlight=False)
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if hint:
        err_console.print(f"[yellow]hint:[/] {escape(hint)}", highlight=False)


def run() -> None:
    """Run the CLI and exit with its code (the console script is ``entry.run``)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
