"""The notice of a decision (« notification de décision »): who decides at that date and place, the
legal basis, and the « voies et délais de recours » — read from `rules/notice.yaml`, data with its sources.

The place is the fabrique's département, read from its id (`report.departement`): the input contract has no
address.  Pure once the file is read; it must never guess a decision-maker: a file without a default
(`territory: "*"`) is an error at load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..errors import RulesetError
from ..report.departement import departement_of

NOTICE_FILE = "notice.yaml"


@dataclass(frozen=True, slots=True)
class DecisionMaker:
    territory: str
    until: date | None
    fr: str
    en: str

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True, slots=True)
class NoticeRules:
    """Who decides where and until when, the legal basis, the appeal paragraphs (fr, en)."""

    makers: tuple[DecisionMaker, ...]
    legal_basis: dict[str, str]
    appeal: dict[str, tuple[str, ...]]

    def decision_maker(self, fabrique_id: str | None, day: date) -> DecisionMaker:
        """The decision-maker in force on `day` for a fabrique (the first rule of its territory still in force,
        else the default).

        >>> rules = NoticeRules((DecisionMaker("976", date(2022, 12, 31), "VR", "VR"),
        ...                      DecisionMaker("*", None, "DG", "DG")), {}, {})
        >>> [rules.decision_maker(f, d).fr for f, d in (("GEN-976-1", date(2021, 5, 1)),
        ...      ("GEN-976-1", date(2023, 1, 1)), ("FAB-75-1", date(2021, 5, 1)))]
        ['VR', 'DG', 'DG']
        """
        territory = departement_of(fabrique_id)
        for maker in self.makers:
            if maker.territory in ("*", territory) and (maker.until is None or day <= maker.until):
                return maker
        raise LookupError("no default decision-maker")  # pragma: no cover - refused at load

    def appeal_lines(self, maker: DecisionMaker, lang: str) -> list[str]:
        return [line.replace("{decision_maker}", maker.name(lang)) for line in self.appeal["en" if lang == "en"
                                                                                            else "fr"]]


def _maker(item: dict[str, Any]) -> DecisionMaker:
    until = item.get("until")
    return DecisionMaker(str(item["territory"]), until if isinstance(until, date) else None, str(item["fr"]),
                         str(item["en"]))


def load_notice(rules_dir: Path) -> NoticeRules:
    """Read `notice.yaml` from the rules directory; `RulesetError` naming the file when it is not usable."""
    path = rules_dir / NOTICE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        makers = tuple(_maker(item) for item in data["decision_makers"])
        rules = NoticeRules(makers, {k: str(v) for k, v in data["legal_basis"].items()},
                            {k: tuple(str(x) for x in v) for k, v in data["appeal"].items()})
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise RulesetError(f"cannot read the notice's rules ({type(exc).__name__})", file=str(path)) from None
    if not any(m.territory == "*" and m.until is None for m in makers):
        raise RulesetError('decision_makers: a default (territory "*", no until) is required', file=str(path))
    if not {"fr", "en"} <= set(rules.appeal) or not {"fr", "en"} <= set(rules.legal_basis):
        raise RulesetError("appeal and legal_basis need fr and en", file=str(path))
    return rules


__all__ = ["DecisionMaker", "NoticeRules", "load_notice"]
