"""Rules files that validate and then hurt (issue 13): a message with a format spec or a conversion, a YAML
alias bomb, a rules file that is a link to /dev/zero, a FIFO or a directory, an oversized file, numbers of
thousands of digits, expressions of 200 000 terms or 100 000 `not`s, a distance band from 1e400.  Each is
refused when the rules load (`RulesetError` naming the file, and the line when there is one; exit 2 from
`rules validate`), quickly and without rendering the hostile value in the error."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from robust_helpers import ROOT, assert_clean_failure

from aid_engine import RulesetError
from aid_engine.ruleset import load
from aid_engine.ruleset.expressions import ExpressionError, compile_predicate

RULES = ROOT / "rules"
INCOME_MESSAGE = "{expected_income_year} pour"
GATE_LINE = "    expression: training_labelled\n"
BAND_LINE = "      - {from: 250, points: 2}"
MONTHS_CAP = "  months_cap: 10"
LAST_YEAR = sorted((RULES / "years").glob("*.yaml"))[-1].name
# Ten levels of nine aliases each: 9¹⁰ items once expanded.
BOMB = "[&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol], " + ", ".join(
    f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)) + "]"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(old: str, new: str, file: str = "base.yaml") -> Callable[[Path], None]:
    def edit(rules: Path) -> None:
        path = rules / file
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def _replace_last_year(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(rules: Path) -> None:
        path = rules / "years" / LAST_YEAR
        path.unlink()
        make(path)
    return edit


def _line_of(text: str, file: str = "base.yaml") -> int:
    lines = (RULES / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


CASES: dict[str, tuple[Callable[[Path], None], str, int | None]] = {
    # name: (how the rules are spoiled, the file named, the line named (None: the file only))
    "format spec >999999999": (_edit(INCOME_MESSAGE, "{expected_income_year:>999999999} pour"), "base.yaml",
                               _line_of(INCOME_MESSAGE)),
    "format spec ,": (_edit(INCOME_MESSAGE, "{expected_income_year:,} pour"), "base.yaml", _line_of(INCOME_MESSAGE)),
    "nested format spec": (_edit(INCOME_MESSAGE, "{expected_income_year:{academic_year}} pour"), "base.yaml",
                           _line_of(INCOME_MESSAGE)),
    "conversion !r": (_edit(INCOME_MESSAGE, "{expected_income_year!r} pour"), "base.yaml", _line_of(INCOME_MESSAGE)),
    "conversion !s with spec": (_edit(INCOME_MESSAGE, "{academic_year!s:^99999} pour"), "base.yaml",
                                _line_of(INCOME_MESSAGE)),
    "alias bomb": (_edit(MONTHS_CAP, "  months_cap: " + BOMB), "base.yaml", _line_of(MONTHS_CAP)),
    "plain alias": (_edit(MONTHS_CAP, "  months_cap: &ten 10\n  monthly_divisor_copy: *ten"), "base.yaml",
                    _line_of(MONTHS_CAP) + 1),
    "year linked to /dev/zero": (_replace_last_year(lambda p: os.symlink("/dev/zero", p)), f"years/{LAST_YEAR}", None),
    "year linked to /dev/urandom": (_replace_last_year(lambda p: os.symlink("/dev/urandom", p)),
                                    f"years/{LAST_YEAR}", None),
    "year is a FIFO": (_replace_last_year(lambda p: os.mkfifo(p)), f"years/{LAST_YEAR}", None),
    "year is a directory": (_replace_last_year(lambda p: p.mkdir()), f"years/{LAST_YEAR}", None),
    "base linked to /dev/zero": (lambda r: ((r / "base.yaml").unlink(), os.symlink("/dev/zero", r / "base.yaml")),
                                 "base.yaml", None),
    "base of 2 MiB": (lambda r: (r / "base.yaml").write_text((RULES / "base.yaml").read_text(encoding="utf-8")
                                                             + "#" * (2 << 20), encoding="utf-8"),
                      "base.yaml", None),
    "months_cap of 5001 digits": (_edit(MONTHS_CAP, "  months_cap: " + "9" * 5001), "base.yaml",
                                  _line_of(MONTHS_CAP)),
    "distance band of 5001 digits": (_edit(BAND_LINE, "      - {from: " + "9" * 5001 + ", points: 2}"), "base.yaml",
                                     _line_of(BAND_LINE)),
    "decimal band of 5001 digits": (_edit(BAND_LINE, "      - {from: 1." + "9" * 5001 + ", points: 2}"), "base.yaml",
                                    _line_of(BAND_LINE)),
    "points of 5001 digits": (_edit(BAND_LINE, "      - {from: 250, points: " + "9" * 5001 + "}"), "base.yaml",
                              _line_of(BAND_LINE)),
    "200 000 and-ed terms": (_edit(GATE_LINE, "    expression: " + " and ".join(["training_labelled"] * 200_000)
                                   + "\n"), "base.yaml", None),
    "100 000 nots": (_edit(GATE_LINE, "    expression: " + "not " * 100_000 + "training_labelled\n"), "base.yaml",
                     _line_of(GATE_LINE.strip())),
    "300 nots": (_edit(GATE_LINE, "    expression: " + "not " * 300 + "training_labelled\n"), "base.yaml",
                 _line_of(GATE_LINE.strip())),
    "80 and-ed terms": (_edit(GATE_LINE, "    expression: " + " and ".join(["training_labelled"] * 80) + "\n"),
                        "base.yaml", _line_of(GATE_LINE.strip())),
    "100 000 nested lists": (_edit(MONTHS_CAP, "  months_cap: " + "[" * 100_000 + "]" * 100_000), "base.yaml",
                             None),
    "band from 1e400": (_edit(BAND_LINE, "      - {from: 1e400, points: 2}"), "base.yaml", _line_of(BAND_LINE)),
    "band from 2.5e2": (_edit(BAND_LINE, "      - {from: 2.5e2, points: 2}"), "base.yaml", _line_of(BAND_LINE)),
    "band from .inf": (_edit(BAND_LINE, "      - {from: .inf, points: 2}"), "base.yaml", _line_of(BAND_LINE)),
    "band from .nan": (_edit(BAND_LINE, "      - {from: .nan, points: 2}"), "base.yaml", _line_of(BAND_LINE)),
    "band from -250": (_edit(BAND_LINE, "      - {from: -250, points: 2}"), "base.yaml", _line_of(BAND_LINE)),
}


@pytest.mark.parametrize("name", CASES)
def test_a_rules_file_that_would_hurt_is_refused_at_load_naming_file_and_line(tmp_path: Path, name: str) -> None:
    spoil, file, line = CASES[name]
    rules = _copy(tmp_path)
    spoil(rules)
    started = time.monotonic()
    with pytest.raises(RulesetError) as info:
        load(rules)
    assert time.monotonic() - started < 30, name  # a second or two on an idle machine
    error = info.value
    assert error.file == f"{rules}/{file}", str(error)
    if line is not None:
        assert error.line == line, str(error)
    assert len(str(error)) < 400, str(error)[:400]
    assert "9" * 61 not in str(error) and "lol" not in str(error)  # at most a bounded extract


@pytest.mark.parametrize("name", ["format spec >999999999", "alias bomb", "year linked to /dev/zero",
                                  "year is a FIFO", "months_cap of 5001 digits", "100 000 nots", "band from 1e400"])
def test_rules_validate_exits_2_within_seconds_and_bounded_memory(tmp_path: Path, name: str) -> None:
    spoil, file, _ = CASES[name]
    rules = _copy(tmp_path)
    spoil(rules)
    limit = 600 << 20  # address space: the interpreter and its libraries take about 300 MB of it

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "aid_engine", "rules", "validate", str(rules)],
                            capture_output=True, text=True, timeout=60, check=False, preexec_fn=bounded)
    assert result.returncode == 2, result.stderr[-500:]
    assert f"{rules}/{file}" in result.stderr
    assert len(result.stderr) < 500
    assert_clean_failure(result.stderr)


def test_the_projects_rules_still_load() -> None:
    assert load(RULES).rulesets


@pytest.mark.parametrize("text", ["not " * 60 + "training_labelled", " and ".join(["training_labelled"] * 60),
                                  "training_labelled and " * 99 + "training_labelled", "x" * 3000])
def test_an_expression_too_long_or_too_deep_is_an_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"nested more than|longer than"):
        compile_predicate(text)


def test_a_syntax_error_never_renders_a_huge_token() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_predicate("training_labelled \"" + "y" * 1500 + "\"")
    assert len(str(info.value)) < 120
