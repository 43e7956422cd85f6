"""The package as a user installs it: the wheel carries the rules, and an editable install is seen by type-checkers.

The wheel is built from a copy of the project without build isolation (the dev extra brings setuptools, so no
network is needed), installed with `--no-index --no-deps` in a fresh virtual environment that borrows this
environment's installed dependencies through a path entry, and asked to decide an example from another directory
with no `AID_ENGINE_RULES` set: the rules must come from inside the installed package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AID_ENGINE_", "PYTHON", "VIRTUAL_ENV"))}
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel built from this project; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, source / name)
    for folder in ("aid_engine", "rules"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist),
          str(source)], cwd=work)
    (wheel,) = dist.glob("aid_engine-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    bin_dir = venv / "bin"
    _run([str(bin_dir / "pip"), "install", "-q", "--no-index", "--no-deps", str(wheel)], cwd=work)
    # The dependencies: this environment's site-packages as a plain path entry, after the new one's own (a path
    # entry's own .pth files are not read, so this environment's editable aid_engine stays out).
    purelib = Path(_run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=work).stdout.strip())
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return bin_dir


def test_the_wheel_carries_the_rules(installed: Path, tmp_path: Path) -> None:
    code = "import aid_engine, aid_engine.ruleset as r; print(aid_engine.__file__); print(r.default_rules_dir())"
    where = _run([str(installed / "python"), "-c", code], cwd=tmp_path).stdout.splitlines()
    venv = installed.parent.resolve()
    assert Path(where[0]).resolve().is_relative_to(venv), where
    assert Path(where[1]).resolve().is_relative_to(venv / "lib"), where
    assert (Path(where[1]) / "years" / "2024-2025.yaml").is_file()


def test_the_installed_command_decides_an_example_from_another_directory(installed: Path, tmp_path: Path) -> None:
    example = tmp_path / "declaration.json"
    shutil.copy(ROOT / "examples" / "granted_echelon_7.json", example)
    result = _run([str(installed / "aid-engine"), "check", example.name, "--json"], cwd=tmp_path)
    expected = json.loads((ROOT / "examples" / "expected" / "granted_echelon_7.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == expected
    screen = _run([str(installed / "aid-engine"), "check", example.name], cwd=tmp_path).stdout
    assert "633,50" in screen


def test_the_library_decides_with_its_own_rules(installed: Path, tmp_path: Path) -> None:
    code = ("import json, sys; from aid_engine import evaluate; "
            "d = evaluate(json.load(open(sys.argv[1], encoding='utf-8'))); print(d.status, d.total_amount)")
    result = _run([str(installed / "python"), "-c", code, str(ROOT / "examples" / "granted_echelon_7.json")],
                  cwd=tmp_path)
    assert result.stdout.split() == ["granted", "6335.00"]


def test_aid_engine_rules_still_overrides_the_packaged_rules(installed: Path, tmp_path: Path) -> None:
    env = {**_env(), "AID_ENGINE_RULES": str(tmp_path / "nowhere")}
    result = subprocess.run([str(installed / "aid-engine"), "check", str(ROOT / "examples" / "granted_echelon_7.json")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nowhere" in result.stderr


def _editable() -> bool:
    # Every distribution of that name: the project's own aid_engine.egg-info may come first on the path.
    for dist in metadata.distributions(name="aid-engine"):
        if json.loads(dist.read_text("direct_url.json") or "{}").get("dir_info", {}).get("editable", False):
            return True
    return False


@pytest.mark.skipif(not _editable(), reason="aid_engine is not installed in editable mode here")
def test_an_editable_install_is_seen_by_mypy_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "use.py").write_text(
        "from aid_engine import evaluate\n\nstatus: int = evaluate({}).status\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", "use.py"],
                            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600, check=False)
    # Found and typed: mypy knows `status` is a str (a missing module would be an import-not-found error instead).
    assert "import-not-found" not in result.stdout and "import-untyped" not in result.stdout, result.stdout
    assert 'Incompatible types in assignment (expression has type "Literal' in result.stdout \
        or 'expression has type "str"' in result.stdout, result.stdout
