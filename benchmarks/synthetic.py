"""N synthetic declarations with a fixed seed: realistic enough that the engine's memos see real variety.

The population, drawn column by column with NumPy (`numpy.random.default_rng(seed)`):
- 400 fabriques (mainland and overseas départements); each runs 1 to 4 sessions a year, on fixed start dates,
  3 to 14 months long; academic years 2016-2017 … 2025-2026, more learners in later years;
- the application is filed a few days to a few weeks after the start (2 % before it, refused);
- RBG: a fifth at or near 0 (young learners on their own tax return), the rest log-uniform from 1 500 € to
  150 000 €, so every échelon and the refusals above the 0bis ceiling are represented; 30 % with cents;
- children of the reference foyer (up to 9, some in higher education, so points above 17 occur);
- distances: mostly local, some regional, some far, overseas (≈ 7 000 to 9 400 km) and Pacific (> 13 000 km);
- a few percent of exclusions, unlabelled trainings, ineligible profiles, income years off by one;
- foreign learners (EU and others), some under international protection, some resident for under 2 years.

`Synthetic.generate(n, seed)` gives the columns (`benchmarks.reference.Columns`); `.dicts()` yields the
JSON-shaped dicts `aid_engine.evaluate` takes; `.write_csv(path)` writes the input contract's CSV
(docs/contracts.md: every column, `true`/`false`, empty cells for absent optional fields, some decimal commas).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aid_engine.models import DECLARATION_FIELDS

from .reference import EXCLUSIONS, NATIONALITIES, PROFILES, Columns

SEED = 20170414  # the decree's date
FIRST_YEAR, LAST_YEAR = 2016, 2025  # academic years 2016-2017 … 2025-2026
FABRIQUES = 400
DEPARTMENTS = ("75", "69", "13", "31", "33", "59", "44", "67", "34", "35", "06", "38", "76", "93", "92",
               "971", "972", "973", "974", "976")
# The months a session starts in, weighted: most at the rentrée, others through the year.
SESSION_MONTHS = np.array([9, 10, 11, 1, 2, 3, 4, 5, 6])
SESSION_MONTH_WEIGHTS = np.array([30, 15, 8, 12, 8, 10, 8, 5, 4], dtype=float)


def _weights(values: list[float]) -> np.ndarray:
    array = np.array(values, dtype=float)
    return array / array.sum()


@dataclass
class Synthetic:
    """N declarations as columns, plus the fields no rule reads (ids, sex, birth date, own tax return)."""

    columns: Columns
    learner_id: np.ndarray
    fabrique_id: np.ndarray
    own_tax_return: np.ndarray
    sex: np.ndarray  # "" when absent
    birth_date: np.ndarray  # NaT when absent
    rbg_has_cents: np.ndarray
    comma: np.ndarray  # the CSV writes this row's decimals with a comma

    def __len__(self) -> int:
        return len(self.columns)

    @classmethod
    def generate(cls, n: int, seed: int = SEED) -> Synthetic:
        """`n` declarations drawn with `seed`: the same n and seed, the same declarations."""
        rng = np.random.default_rng(seed)
        start, end = _sessions(rng, n)
        delay = np.where(rng.random(n) < 0.02, -rng.integers(1, 31, n), rng.geometric(1 / 18, n) - 1)
        application = start + delay.astype("timedelta64[D]")

        first = (start.astype("datetime64[M]").astype(np.int64) - 8) // 12 + 1970
        income_year = first - 2 + rng.choice([0, 1, -1], n, p=[0.94, 0.03, 0.03])

        nationality = rng.choice(3, n, p=[0.86, 0.05, 0.09]).astype(np.int8)
        foreign = nationality != 0
        protection = (nationality == 2) & (rng.random(n) < 0.3)
        residence = np.where(rng.random(n) < 0.15, rng.integers(0, 2, n), rng.integers(2, 21, n))
        has_residence = (foreign & ~protection) | (foreign & (rng.random(n) < 0.5)) | (rng.random(n) < 0.05)
        residence = np.where(has_residence, residence, -1)

        children = rng.choice(10, n, p=_weights([45, 20, 18, 9, 4, 1.6, 1, 0.7, 0.4, 0.3]))
        in_he = rng.binomial(children, 0.2)

        own = rng.random(n) < 0.55
        birth = start - (rng.integers(16 * 365, 58 * 365, n)).astype("timedelta64[D]")
        birth = np.where(rng.random(n) < 0.05, np.datetime64("NaT"), birth)
        sex = rng.choice(np.array(["F", "M", "X", ""]), n, p=[0.30, 0.68, 0.005, 0.015])

        columns = Columns(
            application_date=application,
            training_start_date=start,
            training_end_date=end,
            training_labelled=rng.random(n) >= 0.01,
            profile=rng.choice(4, n, p=[0.55, 0.25, 0.16, 0.04]).astype(np.int8),
            nationality=nationality,
            residence_years=residence.astype(np.int64),
            international_protection=protection,
            revenu_brut_global=_incomes(rng, n),
            income_year=income_year.astype(np.int64),
            dependent_children=children.astype(np.int64),
            children_in_higher_education=in_he.astype(np.int64),
            distance_km=_distances(rng, n),
            **{name: rng.random(n) < p for name, p in zip(EXCLUSIONS, (0.04, 0.02, 0.01, 0.02, 0.02), strict=True)},
        )
        year_of_start = first.astype(str)
        serial = np.char.zfill(np.arange(1, n + 1).astype(str), 7)
        learner = np.char.add(np.char.add(np.char.add("GEN-", year_of_start), "-"), serial)
        return cls(
            columns=columns,
            learner_id=learner,
            fabrique_id=_fabrique_ids(rng, n),
            own_tax_return=own,
            sex=sex,
            birth_date=birth,
            rbg_has_cents=columns.revenu_brut_global % 100 != 0,
            comma=rng.random(n) < 0.05,
        )

    # -- output ---------------------------------------------------------------------------------------------

    def _texts(self) -> dict[str, list[Any]]:
        """Each field as a list of Python values, JSON-shaped (dates ISO, decimals as strings)."""
        c = self.columns

        def iso(days: np.ndarray) -> list[str]:
            return np.datetime_as_string(days, unit="D").tolist()  # type: ignore[no-any-return]

        rbg = c.revenu_brut_global
        euros = (rbg // 100).astype(str)
        with_cents = np.char.add(np.char.add(euros, "."), np.char.zfill((rbg % 100).astype(str), 2))
        km = c.distance_km
        km_text = np.where(km % 1000 == 0, (km // 1000).astype(str),
                           np.char.add(np.char.add((km // 1000).astype(str), "."),
                                       np.char.zfill((km % 1000).astype(str), 3)))
        birth = np.datetime_as_string(self.birth_date, unit="D")
        return {
            "learner_id": self.learner_id.tolist(),
            "application_date": iso(c.application_date),
            "training_start_date": iso(c.training_start_date),
            "training_end_date": iso(c.training_end_date),
            "training_labelled": c.training_labelled.tolist(),
            "fabrique_id": self.fabrique_id.tolist(),
            "profile": [PROFILES[i] for i in c.profile.tolist()],
            "nationality": [NATIONALITIES[i] for i in c.nationality.tolist()],
            "residence_years": [None if y < 0 else y for y in c.residence_years.tolist()],
            "international_protection": c.international_protection.tolist(),
            "own_tax_return": self.own_tax_return.tolist(),
            "revenu_brut_global": np.where(self.rbg_has_cents, with_cents, euros).tolist(),
            "income_year": c.income_year.tolist(),
            "dependent_children": c.dependent_children.tolist(),
            "children_in_higher_education": c.children_in_higher_education.tolist(),
            "distance_km": km_text.tolist(),
            **{name: getattr(c, name).tolist() for name in EXCLUSIONS},
            "sex": [s or None for s in self.sex.tolist()],
            "birth_date": [None if b == "NaT" else b for b in birth.tolist()],
        }

    def dicts(self) -> Iterator[dict[str, Any]]:
        """The declarations as JSON-shaped dicts (an absent optional field has no key)."""
        texts = self._texts()
        names = list(DECLARATION_FIELDS)
        for values in zip(*(texts[name] for name in names), strict=True):
            yield {k: v for k, v in zip(names, values, strict=True) if v is not None}

    def write_csv(self, path: Path) -> None:
        """the input contract's CSV (docs/contracts.md): a header with every column, then one row per declaration."""
        texts = self._texts()
        names = list(DECLARATION_FIELDS)
        comma = self.comma.tolist()
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(names)
            for i, values in enumerate(zip(*(texts[name] for name in names), strict=True)):
                writer.writerow([_cell(name, v, comma[i]) for name, v in zip(names, values, strict=True)])


def _cell(name: str, value: Any, comma: bool) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if comma and name in ("revenu_brut_global", "distance_km"):
        return str(value).replace(".", ",")
    return str(value)


def _sessions(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end dates: each learner joins a session of a fabrique, on the session's fixed dates."""
    years = LAST_YEAR - FIRST_YEAR + 1
    per_year = 4
    # The session table: [fabrique, year, session] → start day, length in days.
    months = rng.choice(SESSION_MONTHS, (FABRIQUES, years, per_year), p=_weights(SESSION_MONTH_WEIGHTS.tolist()))
    first = FIRST_YEAR + np.arange(years)[None, :, None]
    calendar_year = np.where(months >= 9, first, first + 1)
    month_start = ((calendar_year - 1970) * 12 + months - 1).astype("datetime64[M]").astype("datetime64[D]")
    start = month_start + rng.integers(0, 28, (FABRIQUES, years, per_year)).astype("timedelta64[D]")
    length = rng.choice([90, 120, 150, 180, 240, 280, 300, 330, 365, 420], (FABRIQUES, years, per_year),
                        p=_weights([10, 12, 15, 18, 15, 10, 8, 6, 4, 2]))
    sessions = rng.integers(1, per_year + 1, FABRIQUES)  # how many sessions a fabrique runs a year

    popularity = _weights((1 / np.arange(1, FABRIQUES + 1) ** 0.8).tolist())
    fabrique = rng.choice(FABRIQUES, n, p=popularity)
    year = rng.choice(years, n, p=_weights([2, 5, 7, 8, 9, 10, 12, 14, 16, 17]))
    session = (rng.random(n) * sessions[fabrique]).astype(np.int64)
    begin = start[fabrique, year, session]
    return begin, begin + length[fabrique, year, session].astype("timedelta64[D]")


def _fabrique_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    # The same popularity as _sessions is not needed here: the id is never read by a rule.
    department = rng.choice(np.array(DEPARTMENTS), FABRIQUES)
    ids = np.char.add(np.char.add(np.char.add("FAB-", department), "-"),
                      np.char.zfill(np.arange(1, FABRIQUES + 1).astype(str), 4))
    return ids[rng.integers(0, FABRIQUES, n)]


def _incomes(rng: np.random.Generator, n: int) -> np.ndarray:
    """RBG in cents: a fifth at or near 0, the rest log-uniform 1 500 € … 150 000 €; 30 % with cents."""
    low = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 30_000, n))
    spread = np.exp(rng.uniform(np.log(1_500), np.log(150_000), n)).astype(np.int64) * 100
    rbg = np.where(rng.random(n) < 0.2, low, spread)
    return np.where(rng.random(n) < 0.3, rbg + rng.integers(1, 100, n), rbg).astype(np.int64)


def _distances(rng: np.random.Generator, n: int) -> np.ndarray:
    """Home → training distance in metres: local, regional, far, overseas, Pacific."""
    kind = rng.choice(5, n, p=[0.55, 0.30, 0.085, 0.055, 0.01])
    km = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [rng.lognormal(np.log(8), 0.8, n).clip(0, 29.999), rng.uniform(30, 250, n), rng.uniform(250, 1200, n),
         rng.choice([6_800.0, 6_900.0, 7_100.0, 8_000.0, 9_400.0], n) + rng.uniform(-50, 50, n)],
        rng.uniform(15_700, 17_000, n),
    )
    metres = (km * 1000).astype(np.int64)
    # 60 % of distances are declared to the km or to 0.1 km, the rest to the metre.
    rounding = rng.choice(np.array([1000, 100, 1]), n, p=[0.45, 0.15, 0.40])
    return (metres // rounding) * rounding


def declarations(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`n` JSON-shaped declarations (a list), the same for the same n and seed."""
    return list(Synthetic.generate(n, seed).dicts())
