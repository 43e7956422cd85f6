"""Loading rule sets: `rules/base.yaml` (what holds every year) then `rules/years/*.yaml` (each year's changes).

`parse_files` is pure: it takes file names and texts, and returns a validated `RuleBook` or raises a
`RulesetError` naming the file, the line, the rule and, when it can, a did-you-mean.  `load` reads the files
from a directory (the only I/O here).  Validation covers every predicate (compiled and type-checked against
`Declaration`), complete tables (8 échelons × 18 rows), ceilings decreasing from 0bis to 7 and increasing
with points, increasing rates, ordered distance bands, placeholders of messages, and academic years that
neither overlap nor leave a hole.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ..errors import InputFileError, RulesetError
from ..files import MAX_INPUT_BYTES, open_regular, read_limited
from ..models import ECHELONS, Echelon
from ..periods import AcademicYear
from .expressions import ExpressionError, compile_predicate
from .model import Ceilings, Condition, DistanceBand, Gate, Rates, RuleBook, RuleSet
from .yamlfile import LineDict, LineList, Place, read_yaml

RULES_ENV = "AID_ENGINE_RULES"
BASE_FILE = "base.yaml"
YEARS_DIR = "years"


# -- the pieces of a rule set ---------------------------------------------------------------------------------

_GATE_KEYS = ("id", "code", "label", "expression", "legal_ref", "message", "source")
_CONDITION_KEYS = ("id", "code", "label", "legal_ref", "message", "source")


def _gates(at: Place) -> tuple[Gate, ...]:
    items = at.data.get("gates")
    if not isinstance(items, LineList) or not items:
        raise at.fail("'gates' must be a non-empty list", "gates")
    gates: list[Gate] = []
    for item, line in zip(items, items.lines, strict=True):
        if not isinstance(item, LineDict):
            raise RulesetError("each gate must be a mapping", file=at.file, line=line)
        gate_at = Place(at.file, item, str(item.get("id", "?")))
        gate_at.keys(_GATE_KEYS, _GATE_KEYS)
        try:
            predicate = compile_predicate(gate_at.text("expression"))
        except ExpressionError as exc:
            raise gate_at.fail(str(exc), "expression", exc.suggestion) from None
        gates.append(
            Gate(
                id=gate_at.text("id"),
                code=gate_at.text("code"),
                label=gate_at.messages("label"),
                predicate=predicate,
                legal_ref=gate_at.text("legal_ref"),
                message=gate_at.messages("message"),
                source=gate_at.text("source"),
            )
        )
    _unique(at, [g.id for g in gates], "gate id")
    _unique(at, [g.code for g in gates], "reason code")
    return tuple(gates)


def _unique(at: Place, names: list[str], what: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise at.fail(f"{what} {name!r} is used twice", "gates")
        seen.add(name)


def _condition(at: Place, key: str, extra: Sequence[str], placeholders: Sequence[str]) -> Condition:
    sub = at.sub(key)
    sub = Place(sub.file, sub.data, str(sub.data.get("id", key)))
    sub.keys((*_CONDITION_KEYS, *extra), _CONDITION_KEYS)
    return Condition(
        id=sub.text("id"),
        code=sub.text("code"),
        label=sub.messages("label"),
        legal_ref=sub.text("legal_ref"),
        message=sub.messages("message", placeholders),
        source=sub.text("source"),
    )


def _per_echelon(at: Place, key: str) -> LineDict:
    values = at.sub(key).data
    for echelon in ECHELONS:
        if echelon not in values:
            raise at.fail(f"{key}: échelon {echelon!r} is missing", key)
    for name in values:
        if name not in ECHELONS:
            close = get_close_matches(name, ECHELONS, n=1)
            raise Place(at.file, values).fail(
                f"{key}: {name!r} is not an échelon", name, close[0] if close else None
            )
    return values


def _ceilings(at: Place, rows: int) -> Ceilings:
    at.keys(("source", "values"), ("source", "values"))
    values = _per_echelon(at, "values")
    table: dict[Echelon, tuple[Decimal, ...]] = {}
    where = Place(at.file, values)
    for echelon in ECHELONS:
        row = values[echelon]
        if not isinstance(row, LineList) or len(row) != rows:
            size = len(row) if isinstance(row, list) else "not a list"
            raise where.fail(
                f"ceilings of échelon {echelon}: need {rows} values (0 … {rows - 1} points), got {size}", echelon
            )
        table[echelon] = tuple(where.amount(v, echelon) for v in row)
    for echelon in ECHELONS:
        row = table[echelon]
        for p in range(1, rows):
            if row[p] <= row[p - 1]:
                raise where.fail(
                    f"ceilings of échelon {echelon} must increase with points: {row[p - 1]} at {p - 1}"
                    f" then {row[p]} at {p}",
                    echelon,
                )
    for lower, higher in itertools.pairwise(ECHELONS):
        for p in range(rows):
            if table[higher][p] >= table[lower][p]:
                raise where.fail(
                    f"ceilings must decrease from 0bis to 7: échelon {higher} ({table[higher][p]}) is not below "
                    f"échelon {lower} ({table[lower][p]}) at {p} points",
                    higher,
                )
    return Ceilings(values=table, source=at.text("source"))


def _rates(at: Place) -> Rates:
    at.keys(("source", "values"), ("source", "values"))
    values = _per_echelon(at, "values")
    where = Place(at.file, values)
    rates = {e: where.amount(values[e], e) for e in ECHELONS}
    for lower, higher in itertools.pairwise(ECHELONS):
        if rates[higher] <= rates[lower]:
            raise where.fail(f"rates must increase from 0bis to 7: {higher} ({rates[higher]}) ≤ {lower}", higher)
    return Rates(values=rates, source=at.text("source"))


def _bands(at: Place) -> tuple[tuple[DistanceBand, ...], str]:
    at.keys(("bands", "source"), ("bands", "source"))
    items = at.data.get("bands")
    if not isinstance(items, LineList) or not items:
        raise at.fail("'bands' must be a non-empty list", "bands")
    bands: list[DistanceBand] = []
    for item, line in zip(items, items.lines, strict=True):
        if not isinstance(item, LineDict):
            raise RulesetError("each band must be a mapping {from: KM, points: N}", file=at.file, line=line)
        band = Place(at.file, item)
        band.keys(("from", "points"), ("from", "points"))
        bands.append(DistanceBand(from_km=band.amount(item["from"], "from"), points=band.integer("points")))
    if bands[0].from_km != 0:
        raise at.fail("the first distance band must start at 0 km", "bands")
    for before, after in itertools.pairwise(bands):
        if after.from_km <= before.from_km or after.points < before.points:
            raise at.fail("distance bands must start at increasing distances with non-decreasing points", "bands")
    return tuple(bands), at.text("source")


# -- composing base + years -------------------------------------------------------------------------------------

_BASE_KEYS = (
    "ruleset", "title", "law", "gates", "income_year", "income_ceiling", "points", "amounts", "ceilings",
)
_YEAR_KEYS = ("academic_year", "rates", "ceilings", "distance", "children", "unchanged", "note")


@dataclass(frozen=True)
class _Parts:
    """The mutable state while walking the years: the latest of each piece."""

    rates: Rates | None
    ceilings: Ceilings
    bands: tuple[DistanceBand, ...]
    bands_source: str
    per_child: int
    per_child_he: int
    children_source: str


def _children(at: Place) -> tuple[int, int, str]:
    keys = ("per_child", "per_child_in_higher_education", "source")
    at.keys(keys, keys)
    return at.integer("per_child"), at.integer("per_child_in_higher_education"), at.text("source")


def _year_of(at: Place) -> AcademicYear:
    label = at.data.get("academic_year")
    try:
        return AcademicYear.parse(str(label))
    except ValueError as exc:
        raise at.fail(str(exc), "academic_year") from None


def parse_files(files: Mapping[str, str | bytes], *, root: str = "") -> RuleBook:
    """Build and validate the rule book from `{relative name: text}`: `base.yaml` and `years/*.yaml`. Pure."""
    texts = {name: _text(name, raw) for name, raw in files.items()}
    if BASE_FILE not in texts:
        raise RulesetError(f"no {BASE_FILE} among the rules files", file=root or None)
    base = Place(BASE_FILE, read_yaml(BASE_FILE, texts[BASE_FILE]))
    base.keys(_BASE_KEYS, _BASE_KEYS)
    gates = _gates(base)
    income_year = _condition(base, "income_year", ("offset",), ("expected_income_year", "academic_year"))
    offset = base.sub("income_year").integer("offset")
    income_ceiling = _condition(base, "income_ceiling", (), ("ceiling_0bis", "points"))
    points = base.sub("points")
    points.keys(("legal_ref", "table_last_row", "table_last_row_source", "children", "distance"),
                ("legal_ref", "table_last_row", "table_last_row_source", "children", "distance"))
    last_row = points.integer("table_last_row", 1)
    per_child, per_child_he, children_source = _children(points.sub("children"))
    bands, bands_source = _bands(points.sub("distance"))
    amounts = base.sub("amounts")
    amounts.keys(("legal_ref", "months_cap", "monthly_divisor", "source"),
                 ("legal_ref", "months_cap", "monthly_divisor", "source"))
    ceilings = _ceilings(base.sub("ceilings"), last_row + 1)

    years = []
    for name in sorted(n for n in texts if n != BASE_FILE):
        if not (name.startswith(YEARS_DIR + "/") and name.endswith(".yaml")):
            raise RulesetError("rules files are base.yaml and years/YYYY-YYYY.yaml only", file=name)
        at = Place(name, read_yaml(name, texts[name]))
        at.keys(_YEAR_KEYS, ("academic_year",))
        years.append((_year_of(at), at))
    if not years:
        raise RulesetError("no academic year under years/", file=root or None)
    years.sort(key=lambda pair: pair[0])
    for (year_a, at_a), (year_b, at_b) in itertools.pairwise(years):
        if year_b == year_a:
            raise at_b.fail(f"academic year {year_b} is also defined in {at_a.file}: years must not overlap",
                            "academic_year")
        if year_b.first != year_a.first + 1:
            raise at_b.fail(f"academic years must follow each other: {year_a} then {year_b} leaves a hole",
                            "academic_year")

    parts = _Parts(None, ceilings, bands, bands_source, per_child, per_child_he, children_source)
    digest = hashlib.sha256()
    _feed(digest, BASE_FILE, texts[BASE_FILE])
    rulesets: dict[AcademicYear, RuleSet] = {}
    files_so_far: list[str] = [BASE_FILE]
    for year, at in years:
        expected = f"{YEARS_DIR}/{year.label}.yaml"
        if at.file != expected:
            raise at.fail(f"the file of academic year {year} must be named {expected}", "academic_year")
        parts = _apply_year(at, parts, last_row + 1)
        if parts.rates is None:
            raise at.fail("no rates: the first academic year must state 'rates'")
        _feed(digest, at.file, texts[at.file])
        files_so_far.append(at.file)
        notes = tuple(at.text(k) for k in ("unchanged", "note") if k in at.data)
        _SOURCES[digest.hexdigest()] = {name: texts[name] for name in files_so_far}
        rulesets[year] = RuleSet(
            year=year,
            id=f"{base.text('ruleset')}/{year.label}",
            sha256=digest.copy().hexdigest(),
            files=tuple(files_so_far),
            gates=gates,
            income_year=income_year,
            income_year_offset=offset,
            income_ceiling=income_ceiling,
            points_legal_ref=points.text("legal_ref"),
            last_row=last_row,
            last_row_source=points.text("table_last_row_source"),
            per_child=parts.per_child,
            per_child_in_higher_education=parts.per_child_he,
            children_source=parts.children_source,
            distance_bands=parts.bands,
            distance_source=parts.bands_source,
            ceilings=parts.ceilings,
            rates=parts.rates,
            rates_legal_ref=amounts.text("legal_ref"),
            months_cap=amounts.integer("months_cap", 1),
            monthly_divisor=amounts.integer("monthly_divisor", 1),
            amounts_source=amounts.text("source"),
            notes=notes,
        )
    return RuleBook(rulesets=rulesets, root=root)


def _apply_year(at: Place, parts: _Parts, rows: int) -> _Parts:
    rates = _rates(at.sub("rates")) if "rates" in at.data else parts.rates
    ceilings = _ceilings(at.sub("ceilings"), rows) if "ceilings" in at.data else parts.ceilings
    bands, bands_source = _bands(at.sub("distance")) if "distance" in at.data else (parts.bands, parts.bands_source)
    if "children" in at.data:
        per_child, per_child_he, children_source = _children(at.sub("children"))
    else:
        per_child, per_child_he, children_source = parts.per_child, parts.per_child_he, parts.children_source
    changed = any(k in at.data for k in ("rates", "ceilings", "distance", "children"))
    if not changed and "unchanged" not in at.data:
        raise at.fail("a year that changes nothing must say so, with its source, under 'unchanged'")
    return _Parts(rates, ceilings, bands, bands_source, per_child, per_child_he, children_source)


# The exact texts of every rule set parsed in this process, by sha256: the store archives them at first use.
_SOURCES: dict[str, dict[str, str]] = {}


def sources_of(sha256: str) -> dict[str, str] | None:
    """The files (name → exact text) of a rule set this process parsed, by its sha256; None if it parsed none."""
    return _SOURCES.get(sha256)


def _feed(digest: Any, name: str, text: str) -> None:
    digest.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")


def _text(name: str, raw: str | bytes) -> str:
    if len(raw) > MAX_INPUT_BYTES:
        raise RulesetError("is larger than 1 MiB, the limit for a rules file", file=name)
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesetError(f"not UTF-8 (byte {exc.start})", file=name) from None


# -- the edge: reading the files ------------------------------------------------------------------------------


def default_rules_dir() -> Path:
    """`$AID_ENGINE_RULES`; else the rules the wheel carries (`aid_engine/rules/`, found through
    importlib.resources); else, in a source tree or an editable install, the project's `rules/` beside the package."""
    import os
    from importlib import resources

    env = os.environ.get(RULES_ENV)
    if env:
        return Path(env)
    packaged = resources.files("aid_engine") / "rules"
    if isinstance(packaged, Path) and (packaged / BASE_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


def read_files(directory: Path) -> dict[str, bytes]:
    """The rules files of a directory, by relative name.

    Each is a regular file of at most 1 MiB, read with a bounded read: a link to `/dev/zero`, a FIFO or a
    directory named `*.yaml` is refused naming it, before (or instead of) reading it.
    """
    if not directory.is_dir():
        raise RulesetError("is not a directory of rules", file=str(directory))
    names = [BASE_FILE] if _present(directory / BASE_FILE) else []
    names += [f"{YEARS_DIR}/{path.name}" for path in sorted((directory / YEARS_DIR).glob("*.yaml"))]
    return {name: _read_rules_file(directory, name) for name in names}


def _present(path: Path) -> bool:
    """Whether something is there under that name: a file, a directory, a device, or a link, even dangling."""
    return path.is_symlink() or path.exists()


def _read_rules_file(directory: Path, name: str) -> bytes:
    path = directory / name
    try:
        with open_regular(path, what="rules file") as binary:
            return read_limited(binary, str(path), what="a rules file")
    except InputFileError as exc:
        raise RulesetError(str(exc).removeprefix(f"{path}: "), file=name) from None


def load(directory: str | Path | None = None) -> RuleBook:
    """Read, validate and compile the rules of `directory` (default: `default_rules_dir()`)."""
    path = Path(directory) if directory is not None else default_rules_dir()
    try:
        return parse_files(read_files(path), root=str(path))
    except RulesetError as exc:
        if exc.file and exc.file != str(path) and _present(path / exc.file):  # a file within: named from path
            raise exc.under(str(path)) from None
        raise
