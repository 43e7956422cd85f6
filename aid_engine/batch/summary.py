"""The end-of-batch summary: counts by status and échelon, total amounts, rejected rows.

Counters only: it must never keep the decisions themselves (memory stays flat), and it keeps at most
`KEPT_REJECTIONS` rejected rows, by line, learner_id and field — never a value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import ECHELONS
from ..store.writer import Decided
from .readers import Rejection

KEPT_REJECTIONS = 10
STATUSES = ("granted", "review", "refused")


@dataclass
class Summary:
    """What a batch decided, counted as it goes."""

    by_status: Counter[str] = field(default_factory=Counter)
    by_echelon: Counter[tuple[str, str]] = field(default_factory=Counter)
    cents_by_status: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    first_rejections: list[Rejection] = field(default_factory=list)

    def add(self, decided: Decided) -> None:
        self.by_status[decided.status] += 1
        if decided.echelon is not None:
            self.by_echelon[(decided.status, decided.echelon)] += 1
        self.cents_by_status[decided.status] += decided.total_cents

    def total(self, status: str) -> Decimal:
        """The total amount of the decisions of a status, in euros (summed exactly, in cents)."""
        return Decimal(self.cents_by_status[status]).scaleb(-2)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.first_rejections) < KEPT_REJECTIONS:
            self.first_rejections.append(rejection)

    @property
    def decided(self) -> int:
        return sum(self.by_status.values())

    def echelon_rows(self, status: str) -> list[tuple[str, int]]:
        """(échelon, count) of one status, from 0bis to 7, échelons with no decision left out."""
        return [(e, self.by_echelon[(status, e)]) for e in ECHELONS if self.by_echelon[(status, e)]]

    def lines(self, lang: str | None = None) -> list[str]:
        """The summary as text lines (no declaration value in them), in `lang` (default: $AID_ENGINE_LANG, else
        French), amounts written as a person reads them."""
        import os

        from ..i18n import LANG_ENV, amount, count, lang_of, status_label, t

        if lang is None:
            try:
                lang = lang_of(os.environ.get(LANG_ENV))
            except ValueError:
                lang = "fr"
        if lang == "en":
            return self._english_lines()
        out = [t("batch.decided", lang, decided=count(self.decided), rejected=count(self.rejected))]
        for status in STATUSES:
            text = f"  {status_label(status, lang)} : {count(self.by_status[status])}"
            if status != "refused":
                key = "batch.total" if status == "granted" else "batch.provisional_total"
                text += "   " + t(key, lang, v=amount(self.total(status), lang))
            out.append(t("batch.raw", lang, text=text))
            echelons = self.echelon_rows(status)
            if echelons:
                listed = ", ".join(f"{'0 bis' if e == '0bis' else e} : {count(n)}" for e, n in echelons)
                out.append(t("batch.by_echelon", lang, listed=listed))
        for r in self.first_rejections:
            out.append(t("batch.rejected_line", lang, line=r.line, learner=r.learner_id or "?",
                         fields=", ".join(r.fields)))
        if self.rejected > len(self.first_rejections):
            out.append(t("batch.more_rejected", lang, n=count(self.rejected - len(self.first_rejections))))
        return out

    def _english_lines(self) -> list[str]:
        out = [f"decided: {self.decided}   rejected: {self.rejected}"]
        for status in STATUSES:
            count = self.by_status[status]
            text = f"  {status}: {count}"
            if status != "refused":
                label = "total" if status == "granted" else "provisional total"
                text += f"   {label}: {self.total(status)} €"
            out.append(text)
            echelons = self.echelon_rows(status)
            if echelons:
                out.append("    by échelon: " + ", ".join(f"{e}: {n}" for e, n in echelons))
        for r in self.first_rejections:
            out.append(f"  rejected line {r.line} (learner {r.learner_id or '?'}): {', '.join(r.fields)}")
        if self.rejected > len(self.first_rejections):
            out.append(f"  … and {self.rejected - len(self.first_rejections)} more rejected rows")
        return out
