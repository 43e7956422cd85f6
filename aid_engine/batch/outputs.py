"""The batch's output files: decisions as JSON Lines (`--out`) and the rejected rows as CSV (`--rejected`).

`--out` holds exactly one decision JSON per valid input row, compact, each line ending in `\\n`, nothing
else.  `--rejected` has the header `line,learner_id,field,reason`, then one line per rejected row.  Both are
written by `files.OutputFile` (a temporary `.part` file beside the target, renamed into place only when the
whole input was read), so a file with the target's name is always complete; a run that fails removes its
`.part` files, and a failed write (a full disk) is an error naming the option and the file.  The CSV is
written by `files.CsvWriter`: every text cell quoted, a cell starting with = + - @, a tab or a carriage return
prefixed with `'`, so a spreadsheet never runs it as a formula.

They must never write anything but these lines.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from types import TracebackType

from ..files import CsvWriter, OutputFile
from .readers import Rejection

REJECTED_HEADER = ("line", "learner_id", "field", "reason")

_BUFFER = 1 << 20  # a decision line is ≈ 4.4 KB: the default 8 KB buffer made one write call per two lines


class Outputs:
    """The open output files of a batch (either may be absent); `commit()` renames them into place.

    `inputs` are the files the command reads (the batch file, the database file): an output that is one of
    them is refused before anything is read.
    """

    def __init__(self, out: Path | None, rejected: Path | None, *, inputs: tuple[Path | str, ...] = ()) -> None:
        self.out_path = out
        self.rejected_path = rejected
        self._files: list[OutputFile] = []
        self.out = self._open(out, "--out", inputs)
        self.rejected = self._open(rejected, "--rejected", inputs)
        self._csv = CsvWriter(self.rejected.file) if self.rejected is not None else None
        if self._csv is not None and self.rejected is not None:
            with self.rejected.writing():
                self._csv.header(REJECTED_HEADER)

    def _open(self, path: Path | None, option: str, inputs: tuple[Path | str, ...]) -> OutputFile | None:
        if path is None:
            return None
        try:
            output = OutputFile(path, option, inputs=inputs, buffering=_BUFFER)
        except BaseException:
            self.discard()
            raise
        self._files.append(output)
        return output

    def decision(self, decision_json: str) -> None:
        if self.out is not None:
            with self.out.writing():
                self.out.file.write(decision_json + "\n")

    def rejection(self, rejection: Rejection) -> None:
        if self._csv is not None and self.rejected is not None:
            with self.rejected.writing():
                self._csv.row((rejection.line, rejection.learner_id, ";".join(rejection.fields), rejection.reason))

    def commit(self) -> None:
        """Close the files and put them in place under their target names."""
        for output in self._files:
            output.commit()

    def discard(self) -> None:
        """A failed run leaves no partial file behind."""
        for output in self._files:
            with suppress(OSError):
                output.discard()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is not None:
            self.discard()
