"""Whether an environment's golden set is current: what `record-all` skips on.

Current means: the set of this environment and matrix exists, reads strictly
(store included), is of this schema, holds exactly the matrix's cases, and was
recorded with the installed TensorFlow, Keras and backend releases.
"""

from __future__ import annotations

from pathlib import Path

from rnn_shapes.golden.sets import SCHEMA, GoldenError, json_path, read_set
from rnn_shapes.keras.environment import Environment

RECORD_IT = "record it with `rnn-shapes record"  # how a line saying 'not current' ends


def set_status(root: Path, env: Environment, matrix_name: str) -> tuple[bool, str]:
    """(current, one line saying why) for the set of `env` (installed versions)."""
    from rnn_shapes.spec.matrix import cases_by_id

    name = env.name
    path = json_path(root, name, matrix_name)
    how = f"{RECORD_IT} --matrix {matrix_name}` in this environment"
    if not path.is_file():
        return False, f"{name}: no {matrix_name} golden set in {root}; {how}"
    try:
        golden = read_set(path, expect_matrix=matrix_name)
    except GoldenError as exc:
        return False, f"{name}: {exc}; {how}"
    ids = cases_by_id(matrix_name).keys()
    differs = [
        f"{key} {golden.metadata[key]} (installed {installed})"
        for key, installed in env.versions().items()
        if golden.metadata[key] != installed
    ]
    if golden.schema != SCHEMA:
        return False, f"{path}: schema {golden.schema}, this rnn-shapes writes {SCHEMA}; {how}"
    if set(golden.results) != ids:
        return False, f"{path}: does not hold the {matrix_name} matrix of this rnn-shapes; {how}"
    if differs:
        return False, f"{path}: recorded with {', '.join(differs)}; {how}"
    return True, f"{path}: current ({len(ids)} cases)"
