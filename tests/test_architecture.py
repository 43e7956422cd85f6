"""The core knows no file, database, terminal, clock or randomness (docs/conventions.md « Money and dates »:
`evaluate` is pure, the edges do the I/O).

The core modules are scanned with `ast`: no import of an I/O, storage, terminal, clock or random library, no
call of `date.today`, `datetime.now`, `open`, `print`, and no file access, anywhere in them (inside functions
too).  The one documented exception: the functions of `ruleset/loader.py` that read the rules directory, and
the developer tool of `ruleset/parser_tables.py` that writes the prepared parser tables.  Importing
`aid_engine` and deciding must not import the store's libraries.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aid_engine"
CORE = sorted(
    [PACKAGE / f"{name}.py" for name in ("money", "memo", "periods", "errors", "engine", "explain")]
    + list((PACKAGE / "models").glob("*.py"))
    + [p for p in (PACKAGE / "ruleset").glob("*.py") if not p.name.startswith("_parser_tables")]
)
EDGE_LIBRARIES = {"sqlmodel", "sqlalchemy", "typer", "rich", "click", "alembic", "psycopg", "psycopg2"}
IO_LIBRARIES = {"os", "io", "pathlib", "shutil", "subprocess", "socket", "tempfile", "glob", "sqlite3", "urllib",
                "http", "requests", "httpx", "logging", "fileinput", "mmap", "select", "signal"}
CLOCK_AND_CHANCE = {"random", "secrets", "time", "uuid"}
BANNED_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                ("time", "time"), ("os", "urandom")}
BANNED_BUILTINS = {"open", "print", "input", "breakpoint"}
FILE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "mkdir", "unlink", "rmdir",
                "touch", "rename", "glob", "rglob", "iterdir"}
# The documented I/O of the core: where it may happen, and what it may import at module level for it.
ALLOWED_IO = {
    "ruleset/loader.py": ({"default_rules_dir", "read_files", "load"}, {"pathlib"}),
    "ruleset/parser_tables.py": ({"generate", "__main__"}, {"pathlib"}),
}


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _functions_of(tree: ast.AST) -> dict[ast.AST, str]:
    """Each node → the name of the top-level function holding it ('' at module level, '__main__' under the
    `if __name__ == "__main__":` block)."""
    owner: dict[ast.AST, str] = {}
    for top in ast.iter_child_nodes(tree):
        name = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else ""
        if isinstance(top, ast.If) and "__main__" in ast.unparse(top.test):
            name = "__main__"
        for node in ast.walk(top):
            owner[node] = name
    return owner


def violations(path: Path) -> list[str]:
    return violations_in(path.read_text(encoding="utf-8"), _name(path))


def violations_in(source: str, name: str) -> list[str]:
    """What `source`, read as the core module `name` (relative to the package), must not do."""
    tree = ast.parse(source, filename=name)
    allowed_functions, allowed_modules = ALLOWED_IO.get(name, (set(), set()))
    owner = _functions_of(tree)
    found: list[str] = []

    def bad(node: ast.AST, what: str) -> None:
        found.append(f"{name}:{getattr(node, 'lineno', '?')}: {what}")

    for node in ast.walk(tree):
        in_allowed = owner.get(node, "") in allowed_functions
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                root = module.split(".")[0]
                io = root in IO_LIBRARIES and not in_allowed and root not in allowed_modules
                if root in EDGE_LIBRARIES or root in CLOCK_AND_CHANCE or io:
                    bad(node, f"imports {module}")
        elif isinstance(node, ast.Call):
            func = node.func
            dotted = ast.unparse(func) if isinstance(func, ast.Attribute) else ""
            if tuple(dotted.split(".")) in BANNED_CALLS:
                bad(node, f"calls {dotted}")
            if isinstance(func, ast.Name) and func.id in BANNED_BUILTINS and not in_allowed:
                bad(node, f"calls {func.id}()")
            if isinstance(func, ast.Attribute) and func.attr in FILE_METHODS and not in_allowed:
                bad(node, f"calls .{func.attr}() (file access)")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "sys" and node.attr in {"stdout", "stderr", "stdin", "argv"}:
                bad(node, f"reads sys.{node.attr}")
            if node.value.id == "os" and node.attr in {"environ", "getenv"} and not in_allowed:
                bad(node, f"reads os.{node.attr}")
    return found


def test_the_core_modules_are_the_expected_ones() -> None:
    names = {_name(p) for p in CORE}
    assert {"models/__init__.py", "models/declaration.py", "models/decision.py",
            "money.py", "periods.py", "errors.py", "engine.py", "explain.py", "ruleset/__init__.py",
            "ruleset/loader.py", "ruleset/model.py", "ruleset/expressions.py"} <= names


@pytest.mark.parametrize("path", CORE, ids=_name)
def test_a_core_module_does_no_io_reads_no_clock_draws_no_chance(path: Path) -> None:
    assert violations(path) == []


def test_the_scanner_catches_what_it_must() -> None:
    probe = textwrap.dedent("""
        import random
        from datetime import date, datetime
        def f():
            import sqlmodel
            from pathlib import Path
            print(date.today(), datetime.now())
            return open("x").read(), Path("y").read_text()
    """)
    found = " | ".join(violations_in(probe, "money.py"))
    for what in ("imports random", "imports sqlmodel", "imports pathlib", "calls date.today", "calls datetime.now",
                 "calls open()", "calls print()", "calls .read_text()"):
        assert what in found, what
    allowed = textwrap.dedent("""
        from pathlib import Path
        def read_files(directory):
            import os
            return os.environ, Path(directory).read_bytes()
        def parse(text):
            return Path(text).read_text()
    """)
    found_in_loader = [v.split(": ", 1)[1] for v in violations_in(allowed, "ruleset/loader.py")]
    assert found_in_loader == ["calls .read_text() (file access)"]


def _ruff_bans(source: str, path: str) -> list[str]:
    """The banned-api findings ruff reports on `source` as if it were the file `path` of the project."""
    found = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251", "--output-format", "json",
         "--stdin-filename", path, "-"],
        input=source, capture_output=True, text=True, cwd=PACKAGE.parent, check=False)
    assert found.returncode in (0, 1), found.stderr
    return [f["message"] for f in json.loads(found.stdout)]


@pytest.mark.parametrize("library", ["sqlmodel", "sqlalchemy", "typer", "rich"])
@pytest.mark.parametrize("core", ["aid_engine/engine.py", "aid_engine/models/declaration.py",
                                  "aid_engine/ruleset/model.py", "aid_engine/new_module.py"])
def test_ruff_refuses_an_edge_library_in_the_core(library: str, core: str) -> None:
    for source in (f"import {library}\n", f"from {library} import something\n",
                   f"def later():\n    import {library}.sub\n"):
        bans = _ruff_bans(source, core)
        assert len(bans) == 1 and f"`{library}" in bans[0], (core, source, bans)


@pytest.mark.parametrize(("library", "edge"), [
    ("sqlalchemy", "aid_engine/store/tables.py"), ("sqlmodel", "aid_engine/batch/deciding.py"),
    ("rich", "aid_engine/report/figures.py"), ("typer", "aid_engine/cli/decide.py"),
    ("sqlalchemy", "tests/test_engine.py"),
])
def test_ruff_lets_the_edges_import_their_libraries(library: str, edge: str) -> None:
    assert _ruff_bans(f"import {library}\n", edge) == []


def test_importing_and_deciding_does_not_import_the_store_or_the_terminal() -> None:
    code = textwrap.dedent("""
        import json, sys
        import aid_engine
        decision = aid_engine.evaluate({
            "learner_id": "A", "application_date": "2024-10-01", "training_start_date": "2024-09-16",
            "training_end_date": "2025-06-27", "training_labelled": True, "fabrique_id": "F",
            "profile": "unqualified", "nationality": "french", "international_protection": False,
            "own_tax_return": True, "revenu_brut_global": "100", "income_year": 2022, "dependent_children": 0,
            "children_in_higher_education": 0, "distance_km": "10", "jobseeker_aid": False,
            "work_study_contract": False, "training_leave": False, "employment_or_region_aid": False,
            "higher_education_grant": False})
        assert decision.status == "granted"
        print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(result.stdout))
    assert not loaded & {"sqlmodel", "sqlalchemy", "alembic", "psycopg", "typer", "rich", "click"}


# Written in pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "DESIGN" + ".md", "/work/" + "shared", "gen-aid-" + "rules.md")
NOT_THE_PROJECT = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                   "build", "dist"}


def _project_files() -> list[Path]:
    found = []
    for path in PACKAGE.parent.rglob("*"):
        parts = path.relative_to(PACKAGE.parent).parts
        if path.is_file() and not any(p in NOT_THE_PROJECT or p.endswith(".egg-info") for p in parts):
            found.append(path)
    return found


def test_nothing_in_the_project_sends_a_reader_outside_it() -> None:
    files = _project_files()
    assert any(p.name == "README.md" for p in files) and any(p.suffix == ".yaml" for p in files)
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        offenders += [f"{path.relative_to(PACKAGE.parent)}: {o}" for o in OUTSIDE if o in text]
    assert not offenders, "files that send the reader outside the project:\n" + "\n".join(offenders)
