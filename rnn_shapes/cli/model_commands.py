"""The commands about a user's model: check-model, record-model, advise.

Every model file is read (and refused, one line naming it) before anything runs
or is written; the model file itself is never written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_shapes.errors import RnnShapesError

if TYPE_CHECKING:
    from rnn_shapes.models.files import ModelFile


def _files(args: argparse.Namespace, loading: bool = True) -> list[ModelFile]:
    """The model files named, each read once as data (with --weights for a config JSON);
    bad input, and code the user does not trust in a file to be loaded, is exit 2
    before any model runs or anything is written."""
    from rnn_shapes.models.files import missing_custom_objects, model_files, read_model_file
    from rnn_shapes.models.trust import Trust, configured_trust, refusal

    paths = [p for given in args.models for p in model_files(Path(given))]
    weights = Path(args.weights) if args.weights else None
    if weights is not None and len(paths) > 1:
        raise RnnShapesError("--weights names the weights of one config JSON: give one model")
    files = [read_model_file(path, weights) for path in paths]
    trust = Trust(everything=True) if getattr(args, "trust", False) else None
    for file in files:  # what cannot load at all first, then what the user must trust
        missing = missing_custom_objects(file.config)
        if missing:
            raise RnnShapesError(
                f"{file.path}: needs custom objects that are not importable here: "
                f"{', '.join(missing)}"
            )
        refused = loading and refusal(file.path, file.config, trust or configured_trust(Path()))
        if refused:
            raise RnnShapesError(refused)
    return files


def _records_root(explicit: str | None) -> Path | None:
    """The golden root, or None where none is configured (then no records are read)."""
    from rnn_shapes.golden.layout import root_or_none

    return root_or_none(explicit)


def cmd_check_model(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.model_report import check_model_report, model_report
    from rnn_shapes.environment import Environment
    from rnn_shapes.files import atomic_write_text, ensure_writable_file
    from rnn_shapes.models.check import check_model
    from rnn_shapes.models.records import read_records, record_of
    from rnn_shapes.run_report import RENDERERS

    if args.output:
        ensure_writable_file(Path(args.output))
    files = _files(args)
    root = _records_root(args.root)
    env = Environment.usable()
    reports = []
    for file in files:
        check = check_model(file, env)
        here = record_of(check, env)
        others = [] if root is None else read_records(root, check.file)
        reports.append(model_report(check, here, [r for r in others if r.name != env.name]))
    report = check_model_report(reports)
    text = RENDERERS[args.format](report)
    if args.output:
        atomic_write_text(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0 if report.passed else 1


def cmd_record_model(args: argparse.Namespace) -> int:
    from rnn_shapes.environment import Environment
    from rnn_shapes.files import ensure_writable_dir
    from rnn_shapes.golden.layout import golden_root, models_dir
    from rnn_shapes.models.check import check_model
    from rnn_shapes.models.records import record_of, write_record

    files = _files(args)
    root = golden_root(args.out)
    ensure_writable_dir(models_dir(root))  # before any model runs
    env = Environment.usable()
    for file in files:
        check = check_model(file, env)
        written = write_record(root, check.file, record_of(check, env))
        said = "loads" if check.loads else f"does not load ({check.error})"
        print(f"{written}: {check.file.path.name} {said}; {len(check.layers)} layer calls recorded")
    return 0


def cmd_advise(args: argparse.Namespace) -> int:
    from rnn_shapes.environment import Environment
    from rnn_shapes.golden.layout import golden_root
    from rnn_shapes.models.advise import advise, render, to_dict

    files = _files(args, loading=False)  # read as data only: nothing is loaded
    root = golden_root(args.root)
    source = args.source or Environment.installed().name
    reports = [advise(file, source, args.to, root, args.matrix) for file in files]
    if args.format == "json":
        sys.stdout.write(json.dumps([to_dict(r) for r in reports], indent=1) + "\n")
    else:
        sys.stdout.write("\n".join(render(r) for r in reports))
    return 0 if all(not r.changes for r in reports) else 1
