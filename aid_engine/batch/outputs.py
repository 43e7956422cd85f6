"""The batch's output files: decisions as JSON Lines (`--out`) and the rejected rows as CSV (`--rejected`).

`--out` holds exactly one decision JSON per valid input row, compact, each line ending in `\\n`, nothing
else.  `--rejected` has the header `line,learner_id,field,reason`, then one line per rejected row.  Both are
written to a `.part` file beside the target and renamed into place only when the whole input was read, so a
file with the target's name is always complete; a run that fails removes its `.part` files, and a failed write
(a full disk) is an error naming the file.  A cell starting with = + - @, a tab or a carriage return is
prefixed with `'`, so a spreadsheet never runs it as a formula.

They must never write anything but these lines.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TextIO

from ..errors import InputFileError
from .readers import Rejection

REJECTED_HEADER = ("line", "learner_id", "field", "reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula.

    >>> neutralised("=HYPERLINK(1)"), neutralised("-5"), neutralised("GEN-1"), neutralised("")
    ("'=HYPERLINK(1)", "'-5", 'GEN-1', '')
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


_BUFFER = 1 << 20  # a decision line is ≈ 4.4 KB: the default 8 KB buffer made one write call per two lines


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


@contextmanager
def _writing(path: Path | None) -> Iterator[None]:
    """Turn a failed write (a full disk, an I/O error) into an error naming the file."""
    try:
        yield
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be written ({exc.strerror or type(exc).__name__})") from None


def _open(path: Path) -> TextIO:
    try:
        return _part(path).open("w", encoding="utf-8", newline="", buffering=_BUFFER)
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be written ({exc.strerror})") from None


class Outputs:
    """The open output files of a batch (either may be absent); `commit()` renames them into place."""

    def __init__(self, out: Path | None, rejected: Path | None) -> None:
        self.out_path = out
        self.rejected_path = rejected
        self.out = _open(out) if out is not None else None
        self.rejected = _open(rejected) if rejected is not None else None
        self._csv = csv.writer(self.rejected, lineterminator="\n") if self.rejected is not None else None
        if self._csv is not None:
            self._csv.writerow(REJECTED_HEADER)

    def decision(self, decision_json: str) -> None:
        if self.out is not None:
            with _writing(self.out_path):
                self.out.write(decision_json + "\n")

    def rejection(self, rejection: Rejection) -> None:
        if self._csv is not None:
            with _writing(self.rejected_path):
                self._csv.writerow((str(rejection.line), neutralised(rejection.learner_id),
                                    neutralised(";".join(rejection.fields)), neutralised(rejection.reason)))

    def _close(self) -> None:
        for handle, path in ((self.out, self.out_path), (self.rejected, self.rejected_path)):
            if handle is not None and not handle.closed:
                with _writing(path):
                    handle.close()

    def commit(self) -> None:
        """Close the files and put them in place under their target names."""
        self._close()
        for path in (self.out_path, self.rejected_path):
            if path is not None:
                with _writing(path):
                    os.replace(_part(path), path)

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self._close()
            return
        for handle in (self.out, self.rejected):  # a failed run leaves no partial file behind
            if handle is not None:
                with suppress(OSError):
                    handle.close()
        for path in (self.out_path, self.rejected_path):
            if path is not None:
                with suppress(OSError):
                    _part(path).unlink(missing_ok=True)
