"""Writes `examples/batch.csv`: synthetic declarations for `aid-engine batch`, the same every time (fixed seed).

    python examples/make_batch.py                          # the committed examples/batch.csv (400 rows)
    python examples/make_batch.py --rows 100000 --out /tmp/batch-100k.csv

No real person: ids, dates, incomes and fabriques are drawn from a seeded generator.  Trainings start in every
academic year from 2016-2017 to 2025-2026; the draws give every status (granted at every échelon, refused for
income or a failing gate, review for an income year that is not the expected one) and a few learners who filed
a corrected declaration.  About one row in twenty-five is deliberately bad — an impossible date, a negative
income, a missing field, an unknown nationality, an end before the start, a training before the decree's
coverage, a cell that a spreadsheet would run as a formula — so the rejected file has something to show.
The file is `;`-separated with French decimal commas, as a spreadsheet in France exports it.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from aid_engine.models import DECLARATION_FIELDS

SEED = 20170414
DEFAULT_ROWS = 400
DEFAULT_OUT = Path(__file__).resolve().parent / "batch.csv"
PROFILES = ("unqualified", "unqualified", "unqualified", "graduate_jobseeker", "graduate_reconversion", "other")
DEPARTMENTS = ("75", "93", "13", "69", "59", "33", "31", "44", "67", "971", "974", "06", "35", "34")


# The academic years the example rows start in (2016-2017 … 2025-2026): the example's own choice, fixed so that
# examples/batch.csv stays the same file when rules/ gains a year.
FIRST_YEAR, LAST_YEAR = 2016, 2025

def euros(value: float, places: int = 2) -> str:
    """A French decimal: a comma, never a thousands separator."""
    return f"{value:.{places}f}".replace(".", ",")


def flag(p: float, rng: random.Random) -> str:
    return "true" if rng.random() < p else "false"


def _dates(rng: random.Random) -> tuple[date, date, date, int]:
    first = rng.randint(FIRST_YEAR, LAST_YEAR)
    month = rng.choice((9, 9, 9, 10, 10, 11, 1, 3))
    start = date(first + (month < 9), month, rng.randint(1, 28))
    end = start + timedelta(days=rng.randint(90, 330))
    lag = rng.randint(-20, 45) if rng.random() < 0.06 else rng.randint(0, 45)
    applied = start + timedelta(days=lag)
    if first == 2016 and rng.random() < 0.4:
        applied = date(2017, rng.randint(1, 6), rng.randint(1, 28))  # before or after the decree's 17 April 2017
    return applied, start, end, first


def _income(rng: random.Random) -> float:
    band = rng.random()
    if band < 0.45:
        return rng.uniform(0, 15_000)
    if band < 0.80:
        return rng.uniform(15_000, 36_000)
    return rng.uniform(36_000, 95_000)


def _distance(rng: random.Random) -> float:
    low, high = rng.choices(((0, 30), (30, 250), (250, 900), (6_000, 18_000)), (55, 30, 10, 5))[0]
    return rng.uniform(low, high)


def declaration(n: int, rng: random.Random) -> dict[str, str]:
    """One valid synthetic declaration, as CSV cells."""
    applied, start, end, first = _dates(rng)
    nationality = rng.choices(("french", "eu_eea_swiss", "other"), (85, 7, 8))[0]
    protected = nationality != "french" and rng.random() < 0.25
    children = rng.choices((0, 1, 2, 3, 4), (60, 15, 13, 8, 4))[0]
    birth = date(start.year - rng.randint(17, 45), rng.randint(1, 12), rng.randint(1, 28))
    row = {
        "learner_id": f"GEN-{first}-{n:06d}",
        "application_date": applied.isoformat(),
        "training_start_date": start.isoformat(),
        "training_end_date": end.isoformat(),
        "training_labelled": flag(0.97, rng),
        "fabrique_id": f"FAB-{rng.choice(DEPARTMENTS)}-{rng.randint(1, 400):04d}",
        "profile": rng.choice(PROFILES),
        "nationality": nationality,
        "residence_years": str(rng.randint(0, 12)) if nationality != "french" and not protected else "",
        "international_protection": "true" if protected else "false",
        "own_tax_return": flag(0.55, rng),
        "revenu_brut_global": euros(_income(rng)),
        "income_year": str(first - 2 if rng.random() < 0.9 else first - rng.choice((1, 3))),
        "dependent_children": str(children),
        "children_in_higher_education": str(rng.randint(0, children) if children and rng.random() < 0.3 else 0),
        "distance_km": euros(_distance(rng), 1),
        "jobseeker_aid": flag(0.05, rng),
        "work_study_contract": flag(0.03, rng),
        "training_leave": flag(0.02, rng),
        "employment_or_region_aid": flag(0.03, rng),
        "higher_education_grant": flag(0.02, rng),
        "sex": rng.choice(("F", "M", "X", "")),
        "birth_date": birth.isoformat() if rng.random() < 0.8 else "",
    }
    return row


def spoiled(row: dict[str, str], kind: int, rng: random.Random) -> dict[str, str]:
    """The same row with one deliberate mistake of kind `kind` (0 … 8)."""
    if kind == 0:
        row["training_start_date"] = row["training_start_date"][:5] + "02-30"
    elif kind == 1:
        row["revenu_brut_global"] = "-" + row["revenu_brut_global"]
    elif kind == 2:
        row["profile"] = ""
    elif kind == 3:
        row["nationality"] = rng.choice(("martian", "FR", "belgian"))
    elif kind == 4:
        row["training_end_date"] = "2015-06-30"
    elif kind == 5:
        row["training_start_date"], row["application_date"] = "2015-09-14", "2015-09-20"
    elif kind == 6:
        row["learner_id"] = "=HYPERLINK(\"http://example.invalid\")"  # and a bad distance: it is rejected
        row["distance_km"] = "-3"
    elif kind == 7:
        row["jobseeker_aid"] = "oui"
    else:
        row["revenu_brut_global"] = "1e5"
    return row


def generate(count: int, seed: int = SEED) -> Iterator[dict[str, str]]:
    """Yield `count` rows (dicts of CSV cells) from the seeded generator."""
    rng = random.Random(seed)
    previous: dict[str, str] | None = None
    mistakes = 0
    for n in range(1, count + 1):
        if previous is not None and rng.random() < 0.02:
            row = dict(previous, revenu_brut_global=euros(_income(rng)))  # a corrected declaration
        else:
            row = declaration(n, rng)
        previous = row
        if rng.random() < 0.04:
            row = spoiled(dict(row), mistakes % 9, rng)  # every kind of mistake in turn
            mistakes += 1
        yield row


def write(path: Path, count: int, seed: int = SEED) -> None:
    """Write the CSV: the input contract's columns in order, `;`, one header line."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(DECLARATION_FIELDS), delimiter=";", lineterminator="\n")
        writer.writeheader()
        for row in generate(count, seed):
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="how many rows (default 400)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write (default examples/batch.csv)")
    parser.add_argument("--seed", type=int, default=SEED, help="the generator's seed")
    args = parser.parse_args()
    write(args.out, args.rows, args.seed)
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
