"""`examples/make_batch.py` is the source of `examples/batch.csv`: running it again gives the same bytes, with
the input contract's columns only, every academic year covered and every status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aid_engine import default_rulebook
from aid_engine.batch import Decider, read_records
from aid_engine.models import DECLARATION_FIELDS
from aid_engine.store.writer import Decided
from examples import make_batch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_generator_writes_the_committed_example_again(tmp_path: Path) -> None:
    target = tmp_path / "batch.csv"
    subprocess.run([sys.executable, str(EXAMPLES / "make_batch.py"), "--out", str(target)], check=True,
                   capture_output=True)
    assert target.read_bytes() == (EXAMPLES / "batch.csv").read_bytes()


def test_the_example_has_the_contract_columns_every_year_and_every_status(example_batch: Path) -> None:
    header = example_batch.read_text(encoding="utf-8").splitlines()[0].split(";")
    assert tuple(header) == DECLARATION_FIELDS
    with Decider(default_rulebook(), "fr", 1) as decider:
        decided = [o for o in decider.decide(read_records(example_batch)) if isinstance(o, Decided)]
    years = range(make_batch.FIRST_YEAR, make_batch.LAST_YEAR + 1)
    assert {d.academic_year for d in decided} == {f"{y}-{y + 1}" for y in years}
    assert {d.status for d in decided} == {"granted", "refused", "review"}
    assert {d.echelon for d in decided if d.status == "granted"} == {"0bis", "1", "2", "3", "4", "5", "6", "7"}
