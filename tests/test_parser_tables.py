"""The prepared rule-engine parser tables match the installed grammar, so `check` starts fast."""

from __future__ import annotations

import subprocess
import sys

from aid_engine.ruleset import parser_tables


def test_committed_tables_match_the_installed_grammar() -> None:
    assert parser_tables.matches_installed_grammar(), (
        "regenerate with: python -m aid_engine.ruleset.parser_tables"
    )


def test_loading_rules_does_not_rebuild_the_parser_tables() -> None:
    # In a fresh process, the LALR table generator of PLY must never run.
    probe = (
        "import sys\n"
        "import aid_engine.ruleset.parser_tables as t\n"
        "t.install()\n"
        "from rule_engine._vendor.ply import yacc\n"
        "assert 'rule_engine.engine.rule' in sys.modules\n"
        "import rule_engine.parser as p\n"
        "built = []\n"
        "orig = yacc.LRGeneratedTable.__init__\n"
        "def spy(self, *a, **k):\n"
        "    built.append(1); orig(self, *a, **k)\n"
        "yacc.LRGeneratedTable.__init__ = spy\n"
        "p.Parser()\n"
        "print(len(built))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "0"
