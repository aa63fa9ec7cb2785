"""Every committed golden set against the rules and the oracle, without TensorFlow."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthetic import run_without_keras

from rnn_shapes.analysis.audit import audit
from rnn_shapes.golden import store
from rnn_shapes.golden.layout import configured_root
from rnn_shapes.golden.sets import read_set

FIXTURES = configured_root(Path(__file__).resolve().parent)  # [tool.rnn-shapes] golden-root
SETS = sorted(FIXTURES.glob("*/*.json"))
ORACLE_MEMO: dict = {}


def test_sets_are_committed():
    assert SETS, f"no golden set under {FIXTURES}"


@pytest.mark.parametrize("path", SETS, ids=[f"{p.parent.name}/{p.stem}" for p in SETS])
def test_committed_set_agrees_with_oracle(path):
    problems = audit(read_set(path), ORACLE_MEMO).problems
    assert not problems, f"{path}: {len(problems)} problems\n  " + "\n  ".join(problems[:30])


# The budget of every committed set together (JSON and the shared store), in bytes
BUDGET = 60 * 10**6


def test_committed_sets_total_size():
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    assert total < BUDGET, f"golden sets take {total / 1e6:.1f} MB, over {BUDGET / 1e6:.0f} MB"


def test_every_stored_value_file_is_named_by_a_committed_set():
    """No orphans: a re-record prunes what no set names, and so must a hand edit."""
    named, unreadable = store.referenced(FIXTURES)
    assert unreadable is None, f"{unreadable}: not readable as a golden set"
    orphans = sorted(set(store.stored(FIXTURES)) - named)
    assert not orphans, f"{len(orphans)} value files no set names, e.g. {orphans[:3]}"
    assert named <= set(store.stored(FIXTURES))  # read_set says which, in the audit tests


def test_audit_needs_no_tensorflow():
    out = run_without_keras(f"""
        from pathlib import Path
        from rnn_shapes.analysis.audit import audit
        from rnn_shapes.golden.sets import read_set
        path = Path({str(SETS[0])!r})
        assert audit(read_set(path)).verdicts
        print("audit ok")
    """)
    assert out.returncode == 0 and "audit ok" in out.stdout, out.stderr
