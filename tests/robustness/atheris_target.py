"""A coverage-guided fuzz target (atheris / libFuzzer) over the readers and `evaluate`.

Run by test_atheris.py as its own process, bounded by `-runs` and `-max_total_time`:
    python tests/robustness/atheris_target.py -runs=20000 -max_total_time=20 CORPUS_DIR
The first byte picks the target (0: a JSON document, 1: a CSV batch file, 2: a JSON Lines batch file), the rest
is the input.  Any exception other than the errors bad input may give is a finding: atheris stops, prints it
and exits non-zero.
"""

from __future__ import annotations

import contextlib
import io
import sys

import atheris

with atheris.instrument_imports(include=["aid_engine"]):
    from aid_engine import DeclarationError, NoRulesetInForce, default_rulebook, evaluate
    from aid_engine.batch.readers import read_csv, read_json_lines, validate
    from aid_engine.errors import InputFileError
    from aid_engine.models import Declaration

BOOK = default_rulebook()
EXPECTED = (DeclarationError, InputFileError, NoRulesetInForce)


def _decide_rows(records: object) -> None:
    for record in records:  # type: ignore[attr-defined]
        row = validate(record)
        if row.declaration is not None:
            with contextlib.suppress(NoRulesetInForce):
                evaluate(row.declaration, BOOK)


def one_input(data: bytes) -> None:
    if not data:
        return
    target, raw = data[0] % 3, data[1:]
    try:
        if target == 0:
            evaluate(Declaration.from_json(raw, source="fuzz.json"), BOOK)
        elif target == 1:
            _decide_rows(read_csv(io.BytesIO(raw), "fuzz.csv"))
        else:
            _decide_rows(read_json_lines(io.BytesIO(raw), "fuzz.jsonl"))
    except EXPECTED:
        pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
