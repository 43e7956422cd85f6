"""Periods: the academic year (1 September → 31 August) and the months of a training.

docs/policies.md, policy 1: the reference date is the training start date, mapped to the academic year that
contains it.  Policy 7: the months paid are the calendar months holding a day of training.  Pure: this
module never reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_LABEL = re.compile(r"(\d{4})-(\d{4})")


@dataclass(frozen=True, slots=True, order=True)
class AcademicYear:
    """An academic year, named by its first calendar year: AcademicYear(2024) is 2024-2025."""

    first: int

    @classmethod
    def parse(cls, label: str) -> AcademicYear:
        """Read "2024-2025".

        >>> AcademicYear.parse("2024-2025")
        AcademicYear(first=2024)
        """
        match = _LABEL.fullmatch(label.strip())
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValueError(f"{label!r} is not an academic year like '2024-2025'")
        return cls(int(match.group(1)))

    @property
    def label(self) -> str:
        return f"{self.first}-{self.first + 1}"

    @property
    def start(self) -> date:
        return date(self.first, 9, 1)

    @property
    def end(self) -> date:
        return date(self.first + 1, 8, 31)

    def __str__(self) -> str:
        return self.label


def academic_year_of(day: date) -> AcademicYear:
    """The academic year (1 September → 31 August) containing `day`.

    >>> academic_year_of(date(2024, 8, 31)).label, academic_year_of(date(2024, 9, 1)).label
    ('2023-2024', '2024-2025')
    """
    return AcademicYear(day.year if day.month >= 9 else day.year - 1)


def months_begun(start: date, end: date) -> int:
    """Calendar months holding a day of training, from the start month to the end month, both included.

    >>> months_begun(date(2024, 9, 30), date(2024, 10, 1)), months_begun(date(2024, 3, 15), date(2024, 3, 15))
    (2, 1)
    >>> months_begun(date(2024, 9, 1), date(2025, 8, 31))
    12
    """
    return (end.year - start.year) * 12 + (end.month - start.month) + 1
