#!/usr/bin/env python3
"""Rewrites every generated expectation of the project, in one command:

    python tests/regenerate.py          # from the project root

- `tests/cases/*.yaml`: the decision cases, written by `tests/cases/generate.py` from its own copy of the law
  (the independent oracle: it never imports aid_engine);
- `examples/expected/*.json`: each example declaration's decision as aid_engine gives it today, trace included
  (pinned so that any change of a decision, a trace step or a message shows in a diff to review);
- `aid_engine/schemas/*.json`: the JSON Schemas of the contracts, from the models;
- `tests/fixtures/bad_rules/`: copies of `rules/` with one thing broken each, by `tests/fixtures/make_bad_rules.py`.

Run it after a change of `rules/` or of the law's copy in the generator, then read the diff: the cases must only
change where the law did.  Tests check that each of these files equals what this command writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example_decisions() -> dict[Path, str]:
    """Each `examples/*.json` declaration's decision JSON, as `examples/expected/` keeps it."""
    from aid_engine import evaluate, load_ruleset
    from aid_engine.models import Declaration

    rules = load_ruleset()
    written = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        decision = evaluate(Declaration.from_json(path.read_bytes(), source=str(path)), rules)
        written[EXAMPLES / "expected" / path.name] = json_text(decision.model_dump(mode="json"))
    return written


def schemas() -> dict[Path, str]:
    """The committed JSON Schemas, as `aid-engine schema NAME` prints them."""
    from aid_engine.schemas import SCHEMA_DIR, schema_of

    return {SCHEMA_DIR / f"{which}.json": json_text(schema_of(which)) for which in ("declaration", "decision")}


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    subprocess.run([sys.executable, str(ROOT / "tests" / "cases" / "generate.py")], check=True)
    subprocess.run([sys.executable, str(ROOT / "tests" / "fixtures" / "make_bad_rules.py")], check=True)
    for path, text in {**example_decisions(), **schemas()}.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
