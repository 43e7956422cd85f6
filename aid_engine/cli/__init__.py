"""The `aid-engine` command line: the one place where errors become exit codes.

Exit codes (docs/conventions.md): 0 done — a decision was made, whatever its status; 2 bad input or bad rules, the
message naming the file, line or field; 1 internal error.  No traceback reaches the terminal unless
`--debug` is given, and locals are never shown: a traceback never prints a declaration.

Each group of commands lives in its own module and registers itself here; heavy libraries (the store, the
report) are imported inside the commands that need them, so `aid-engine check` starts fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from ..errors import AidEngineError, AuditChainBroken, StoreError
from ..i18n import error_text, lang_of, t
from ..text import for_terminal
from .chrome import LocalContext, localise, show_usage_error
from .lang import h, run_lang

# typer ≥ 0.29 carries its own copy of click: reach its exception base through a public class.
_USAGE_ERRORS: tuple[type[BaseException], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

_PASS_THROUGH: tuple[type[BaseException], ...] = (typer.Exit, *_USAGE_ERRORS)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


def exit_code_of(exc: BaseException) -> int:
    """Exit code of an error: bad input or rules → 2; a broken audit chain, the store, anything else → 1."""
    if isinstance(exc, AuditChainBroken | StoreError):
        return EXIT_INTERNAL
    if isinstance(exc, AidEngineError):
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL


def _args_of(ctx: Any) -> list[str]:
    """The subcommand's arguments, read before the group hands them on (it clears them)."""
    return [str(a) for a in (*getattr(ctx, "_protected_args", ()), *ctx.args)]


def _debug_requested(ctx: Any) -> bool:
    root = ctx.find_root()
    return bool(root.obj and root.obj.get("debug"))


class _Group(TyperGroup):
    """Maps the library's errors to exit codes and one-line messages, for every subcommand; says typer's own
    words (help frame, usage errors) in the run's language (`chrome`)."""

    context_class = LocalContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localise(getattr(self, "commands", {}).values())

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, windows_expand_args=windows_expand_args, **extra)
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False, windows_expand_args=windows_expand_args, **extra)
        except _USAGE_ERRORS as exc:  # a usage error (or a file typer could not open): typer's text, localised
            lang = run_lang(None if args is None else list(args))
            if hasattr(exc, "ctx"):
                show_usage_error(exc, lang, lambda text: typer.echo(text, err=True))
            else:
                typer.echo(t("error.prefix", lang, message=str(exc)), err=True)
            sys.exit(getattr(exc, "exit_code", EXIT_BAD_INPUT))
        except typer.Abort:  # end of input while typer parses (a prompt): as Ctrl-C in a command
            typer.echo(t("error.interrupted", run_lang(None if args is None else list(args))), err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else EXIT_OK)

    def invoke(self, ctx: Any) -> Any:
        # For the run's language: the subcommand's `--lang`, else the root's, else $AID_ENGINE_LANG, else French.
        root = ctx.params.get("lang")  # the root's options are parsed before any subcommand runs
        args = ([] if root is None else ["--lang", root]) + _args_of(ctx)
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except (KeyboardInterrupt, typer.Abort):
            # Ctrl-C (or end of input at a prompt): one line in the run's language, exit 130 as a shell does.
            typer.echo(t("error.interrupted", run_lang(args)), err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, without a second error when stdout is flushed.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(EXIT_OK) from None
        except Exception as exc:  # the one place that turns errors into exit codes
            if _debug_requested(ctx):
                traceback.print_exc()
            lang = run_lang(args)
            if isinstance(exc, AidEngineError):
                # one line, whatever a name holds
                typer.echo(t("error.prefix", lang, message=for_terminal(error_text(exc, lang))), err=True)
            else:
                typer.echo(t("error.internal", lang, kind=type(exc).__name__), err=True)
            raise typer.Exit(exit_code_of(exc)) from None


app = typer.Typer(
    cls=_Group,
    name="aid-engine",
    help=h("Décide l'aide aux apprenants de la Grande École du numérique (décret n° 2017-548).",
           "Decides the Grande École du numérique learner aid (décret n° 2017-548)."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _check_lang(value: str | None) -> str | None:
    try:
        return None if value is None else lang_of(value)
    except ValueError:
        raise typer.BadParameter(h("fr ou en", "fr or en")) from None


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help=h("Montre la trace Python d'une erreur interne.",
                                                        "Show a traceback on an internal error.")),
    lang: str | None = typer.Option(None, "--lang", callback=_check_lang, help=h(
        "Langue de toute la commande : fr ou en (défaut : $AID_ENGINE_LANG, sinon fr), "
        "par exemple aid-engine --lang en report.",
        "Language of the whole command: fr or en (default: $AID_ENGINE_LANG, else fr), "
        "e.g. aid-engine --lang en report.")),
) -> None:
    ctx.obj = {"debug": debug}  # `lang` is read from ctx.params by _Group.invoke


def _register() -> None:
    from . import audit_commands, decide, report_commands, rules, serve_commands, store_commands

    decide.register(app)
    rules.register(app)
    store_commands.register(app)
    audit_commands.register(app)
    report_commands.register(app)
    serve_commands.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        app(args=argv, prog_name="aid-engine")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_BAD_INPUT)
        sys.exit(code)
