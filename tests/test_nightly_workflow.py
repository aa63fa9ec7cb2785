"""The nightly workflow (.github/workflows/nightly.yml): lints clean, records exactly
tox.ini's pre-release environments, and fails on what nothing explains."""

from __future__ import annotations

import re
import subprocess

from test_workflow import ROOT, actionlint, step_running, steps, tox_envs

NIGHTLY = ROOT / ".github" / "workflows" / "nightly.yml"
TEXT = NIGHTLY.read_text(encoding="utf-8")


def jobs() -> dict[str, str]:
    body = TEXT.split("\njobs:\n", 1)[1]
    parts = re.split(r"^  ([\w-]+):[ \t]*\n", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_actionlint_passes():
    done = subprocess.run(
        [actionlint(), "-no-color", NIGHTLY.relative_to(ROOT).as_posix()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_records_the_pre_release_environments_of_tox_ini_and_names_none():
    listing = step_running(jobs()["envs"], "tox -l")
    pattern = re.search(r"grep '\^([\w-]+)'", listing)[1]
    chosen = [e for e in tox_envs() if e.startswith(pattern)]
    assert chosen and all(e.startswith("next-") for e in chosen)
    assert not any(e.startswith("next-") for e in tox_envs() if e not in chosen)
    code = "\n".join(re.sub(r"(^|\s)#.*", "", line) for line in TEXT.splitlines())
    assert not [e for e in tox_envs() if re.search(rf"(?<![\w.-]){re.escape(e)}(?![\w.-])", code)]
    assert "schedule:" in TEXT and "cron:" in TEXT


def test_the_report_job_audits_the_new_sets_and_fails_on_a_failed_audit():
    report = jobs()["report"]
    audit = step_running(report, "rnn-shapes audit recorded/")
    assert 'echo "rc=$rc" >> "$GITHUB_OUTPUT"' in audit
    assert step_running(report, "rnn-shapes report --root merged")
    last = steps(report)[-1]
    assert "steps.audit.outputs.rc" in last and "exit 1" in last


def test_a_build_that_does_not_install_is_one_line_in_the_report(tmp_path):
    """The record job notes its failure (golden/unrecorded.py); the report job puts every
    note in the root it reports from, and its run goes on."""
    from rnn_shapes.golden import unrecorded

    record, report = jobs()["record"], jobs()["report"]
    noting = [s for s in steps(record) if "unrecorded.note(" in s]
    assert len(noting) == 1 and "if: failure()" in noting[0] and "install.log" in noting[0]
    assert any("unrecorded-${{ matrix.env }}" in s and "if: failure()" in s for s in steps(record))
    merging = step_running(report, "unrecorded.read(folder)")
    assert 'unrecorded.note(Path("merged")' in merging
    assert "pattern: unrecorded-*" in report
    # what the record job's script does, on an installer's log
    log = tmp_path / "install.log"
    log.write_text("Collecting keras-nightly\nERROR: No matching distribution found\n")
    unrecorded.note(tmp_path / "notes", "next-jax", "install: ERROR: No matching distribution")
    assert unrecorded.read(tmp_path / "notes")["next-jax"]["line"].endswith("distribution")


def test_each_pre_release_is_explored_with_its_database_kept():
    """The explore job runs over the same environments as recording, bounded in time,
    its example database restored from the cache and uploaded with the findings; a
    finding fails the job (explore exits 1)."""
    explore, record = jobs()["explore"], jobs()["record"]
    matrix = "env: ${{ fromJSON(needs.envs.outputs.envs) }}"
    assert matrix in explore and matrix in record
    run = step_running(explore, "python -m rnn_shapes explore")
    assert "--seconds" in run and "--database explore/examples" in run and "|| true" not in run
    cached = next(s for s in steps(explore) if "actions/cache@" in s)
    assert (
        "path: explore/examples" in cached and "restore-keys: explore-${{ matrix.env }}-" in cached
    )
    uploaded = next(s for s in steps(explore) if "upload-artifact" in s)
    assert "path: explore/" in uploaded
