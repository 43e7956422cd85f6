"""The documentation in docs/ says what the code and rules/ do: its tables are compared with them.

The input table of docs/contracts.md lists exactly the declaration's fields, its output table exactly the
decision's (nested fields included), its reason table exactly the reason codes of rules/ with their rule ids and
labels; every source tag and policy number the rules cite is defined in docs/; every page is in the index.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aid_engine import RuleBook
from aid_engine.models import Counterfactuals, Decision, Declaration, Reason, RulesetRef, TraceStep

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RULE_FILES = sorted((ROOT / "rules").rglob("*.yaml"))


def section(path: Path, title: str) -> str:
    """The text of the `## title` section of a page, up to the next `## `."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def table_rows(text: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows (the header and the rule line left out)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| `")]
    return rows


def names(text: str) -> list[str]:
    return [row[0].strip("`") for row in table_rows(text)]


def test_the_input_table_lists_exactly_the_declarations_fields() -> None:
    listed = names(section(DOCS / "contracts.md", "Input"))
    assert listed == list(Declaration.model_fields)


def test_the_output_table_lists_exactly_the_decisions_fields() -> None:
    nested = {"reasons": ("reasons[].", Reason), "trace": ("trace[].", TraceStep), "ruleset": ("ruleset.", RulesetRef),
              "counterfactuals": ("counterfactuals.", Counterfactuals)}
    expected = []
    for name in Decision.model_fields:
        expected.append(name)
        if name in nested:
            prefix, model = nested[name]
            expected += [prefix + field for field in model.model_fields]
    assert names(section(DOCS / "contracts.md", "Output")) == expected


def test_the_reason_table_is_that_of_the_rules(rulebook: RuleBook) -> None:
    rows = table_rows(section(DOCS / "contracts.md", "Reason codes"))
    by_code = {c.code: c for rs in rulebook for c in rs.reasons}
    assert [row[0].strip("`") for row in rows] == list(rulebook.reason_codes())
    for code, rule_id, label_fr, label_en in rows:
        condition = by_code[code.strip("`")]
        assert (rule_id.strip("`"), label_fr, label_en) == (
            condition.id, rulebook.reason_label(condition.code, "fr"), rulebook.reason_label(condition.code, "en"))


def test_every_source_tag_the_rules_cite_is_in_the_sources_page() -> None:
    defined = set(re.findall(r"^- (\[[A-Za-z0-9-]+\])", (DOCS / "sources.md").read_text(encoding="utf-8"), re.M))
    defined |= set(re.findall(r";\s*(\[[A-Za-z0-9-]+\])", (DOCS / "sources.md").read_text(encoding="utf-8")))
    cited = {tag for path in RULE_FILES for tag in re.findall(r"\[[A-Z][A-Za-z0-9-]*\]", path.read_text("utf-8"))}
    assert cited, "no tag found in rules/"
    assert cited <= defined, f"tags cited in rules/ and not in docs/sources.md: {sorted(cited - defined)}"


def test_every_policy_the_rules_cite_is_in_the_policies_page() -> None:
    policies = (DOCS / "policies.md").read_text(encoding="utf-8")
    cited = {int(n) for path in RULE_FILES for n in re.findall(r"policy (\d+)", path.read_text("utf-8"))}
    assert cited
    for number in sorted(cited):
        assert f"\n## {number}. " in policies, f"policy {number} is cited in rules/ and not in docs/policies.md"
        assert re.search(rf"^\| {number} \| .+ \| .+ \|$", policies, re.M), f"policy {number}: no row naming where"


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md"))
def test_every_page_is_in_the_index(page: str) -> None:
    assert f"]({page})" in (DOCS / "README.md").read_text(encoding="utf-8")


def test_the_readme_sends_the_reader_to_docs() -> None:
    assert "](docs/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
