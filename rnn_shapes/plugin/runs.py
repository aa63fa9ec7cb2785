"""Running cases in Keras: each case once per process and path, with its row group
(the cases built as one model), the others' results kept for their own tests."""

from __future__ import annotations

from functools import cached_property

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result
from rnn_shapes.verdict import Verdict


class Runs:
    """Keras' results of this process, by (case id, path)."""

    def __init__(self, matrix_name: str) -> None:
        self.matrix_name = matrix_name
        self._results: dict[tuple[str, str], Result] = {}

    @cached_property
    def row_groups(self) -> dict[str, tuple[Case, ...]]:
        """The matrix's row groups (keras.rows.row_groups), found once."""
        from rnn_shapes.keras.rows import row_groups

        return row_groups(matrix(self.matrix_name))

    def run(self, case: Case, path: str = "call") -> Result:
        """Keras' result for the case; each case runs once per process and path, with
        its row group where it has one (the others' results kept for their tests)."""
        key = (case.id, path)
        if key not in self._results:
            from rnn_shapes.keras.rows import run_many

            group = self.row_groups.get(case.id, (case,)) if path == "call" else (case,)
            for result in run_many(group, self.row_groups, path):
                self._results[(result.case_id, path)] = result
        return self._results[key]

    def judged(self, case: Case, judge: Judge) -> Verdict:
        """Run the case (if this process has not yet) and let `judge` judge it."""
        return judge(case, self.run(case))
