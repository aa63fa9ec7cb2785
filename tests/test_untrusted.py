"""Model files from anyone: reading one runs and imports nothing it names, code in it is
refused before loading unless the user trusts it, and reading is bounded.

Every file here is made by the test: a Lambda whose function touches a sentinel
file, a custom object whose package touches one when imported, a config that
inflates past the limit or nests 200,000 deep, an archive member that climbs out,
files that are not what their names say.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from rnn_shapes.cli import main
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.models.files import MAX_CONFIG_BYTES, MAX_DEPTH
from rnn_shapes.models.trust import Trust, code_in, configured_trust, refusal
from rnn_shapes.plugin.user_models import UserModels

ROOT = Path(__file__).resolve().parent.parent


def refused(capsys, *argv: str) -> str:
    """The one line a command refuses a file with (exit 2), in seconds."""
    start = time.monotonic()
    assert main(list(argv)) == 2
    assert time.monotonic() - start < 30
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def keras_archive(path: Path, config: object, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", config if isinstance(config, str) else json.dumps(config))
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr("model.weights.h5", b"")  # read by Keras only, which these never reach
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def sequential(*layers: dict) -> dict:
    inp = {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "name": "in"}}
    return {"class_name": "Sequential", "config": {"name": "m", "layers": [inp, *layers]}}


LSTM = {
    "module": "keras.layers",
    "class_name": "LSTM",
    "config": {"name": "lstm", "units": 2},
    "registered_name": None,
}


# ---------------------------------------------------------------- code in a file


@pytest.fixture(scope="module")
def lambda_files(tmp_path_factory):
    """A model with a Lambda whose function touches a sentinel, as .keras, .h5 and a
    config .json with its weights (Keras 3 writes them; building runs it once)."""
    import keras

    folder = tmp_path_factory.mktemp("lambda")
    sentinel = folder / "ran"
    touch = eval(f"lambda x: (__import__('pathlib').Path({str(sentinel)!r}).touch(), x)[1]")
    model = keras.Sequential(
        [
            keras.Input((5, 3)),
            keras.layers.Lambda(touch, name="touchy"),
            keras.layers.LSTM(2, name="lstm"),
        ]
    )
    model.save(folder / "lambda.keras")
    model.save(folder / "lambda.h5")
    (folder / "lambda.json").write_text(model.to_json())
    model.save_weights(folder / "lambda.weights.h5")
    sentinel.unlink()
    return folder, sentinel


@pytest.mark.keras
@pytest.mark.parametrize("name", ["lambda.keras", "lambda.h5", "lambda.json"])
def test_a_lambda_is_refused_before_loading_and_runs_only_when_trusted(
    lambda_files, name, capsys, tmp_path
):
    folder, sentinel = lambda_files
    path = folder / name
    for command, root in (("check-model", "--root"), ("record-model", "--out")):
        err = refused(capsys, command, str(path), root, str(tmp_path))
        assert f"{command}: {path}: layer 'touchy' carries a Lambda layer" in err
        assert "--trust" in err and not sentinel.exists()
    assert not (tmp_path / "models").exists()  # nothing recorded
    code = main(["check-model", str(path), "--trust", "--root", str(tmp_path)])
    assert code in (0, 1) and sentinel.exists()  # trusted: loaded, and its code ran
    sentinel.unlink()


def test_a_custom_objects_package_is_never_imported(tmp_path, capsys):
    """find_spec('pkg.sub') imports pkg: only the top-level name is looked up."""
    package = tmp_path / "site" / "zenpkg"
    package.mkdir(parents=True)
    sentinel = tmp_path / "imported"
    (package / "__init__.py").write_text(f"open({str(sentinel)!r}, 'w').close()\n")
    (package / "sub.py").write_text("class Zen: pass\n")
    custom = {
        "module": "zenpkg.sub",
        "class_name": "Zen",
        "config": {"name": "zen"},
        "registered_name": "zenpkg>Zen",
    }
    path = keras_archive(tmp_path / "custom.keras", sequential(custom, LSTM))
    script = (
        "import sys; from rnn_shapes.cli import main; "
        f"sys.exit(main(['check-model', {str(path)!r}, '--root', {str(tmp_path)!r}]))"
    )
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "layer 'zen' carries zenpkg>Zen from module 'zenpkg.sub'" in done.stderr
    assert not sentinel.exists()
    assert code_in(sequential(custom))[0][2] == "zenpkg"  # the package a user may vouch for
    assert refusal(path, sequential(custom), Trust(packages=frozenset({"zenpkg"}))) is None
    assert refusal(path, sequential(custom), Trust(packages=frozenset({"other"})))
    # advise reads the file as data only: the package is looked up, not imported
    missing = f"sys.path.insert(0, {str(tmp_path / 'site')!r}); "
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; " + missing + "from rnn_shapes.models.files import "
            f"missing_custom_objects, read_model_file; from pathlib import Path; "
            f"print(missing_custom_objects(read_model_file(Path({str(path)!r})).config))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "[]", done.stderr  # found (installed), never imported
    assert not sentinel.exists()


def test_keras_own_modules_carry_no_code_but_a_keras_layer_may():
    assert code_in(sequential(LSTM)) == []
    saved_model = {"module": "keras.layers", "class_name": "TFSMLayer", "config": {"name": "sm"}}
    assert code_in(sequential(saved_model)) == [
        ("sm", "a TFSMLayer (it loads and runs an external SavedModel)", None)
    ]
    shipped = json.loads(
        zipfile.ZipFile(ROOT / "models/keras3.15/seq2seq.keras").read("config.json")
    )
    assert code_in(shipped) == []


@pytest.mark.keras
def test_pytest_models_follow_the_same_rule(lambda_files, tmp_path):
    folder, _ = lambda_files
    project = tmp_path / "project"
    project.mkdir()
    (project / "lambda.keras").write_bytes((folder / "lambda.keras").read_bytes())
    (project / "pyproject.toml").write_text('[tool.rnn-shapes]\nmodels = ["lambda.keras"]\n')
    with pytest.raises(pytest.UsageError, match=r"carries a Lambda layer.*--trust"):
        UserModels(project).params()
    (project / "pyproject.toml").write_text(
        '[tool.rnn-shapes]\nmodels = ["lambda.keras"]\ntrust = true\n'
    )
    assert [p.id.split("::")[1] for p in UserModels(project).params()] == ["lstm"]
    (project / "pyproject.toml").write_text('[tool.rnn-shapes]\ntrust = "yes"\n')
    with pytest.raises(RnnShapesError, match="trust must be true, false or a list"):
        configured_trust(project)


# ---------------------------------------------------------------- bounded reading


def test_a_config_that_inflates_past_the_limit(tmp_path, capsys):
    path = tmp_path / "bomb.keras"
    block = b" " * 2**20
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("config.json", "w", force_zip64=True) as member,
    ):
        for _ in range(MAX_CONFIG_BYTES // len(block) + 1):
            member.write(block)
    assert path.stat().st_size < MAX_CONFIG_BYTES // 100  # small on disk
    err = refused(capsys, "check-model", str(path))
    assert f"{path}: its config.json is larger than" in err


@pytest.mark.parametrize("how", ["lists", "mappings"])
def test_a_config_nested_past_the_limit(tmp_path, capsys, how):
    n = 200_000 if how == "lists" else MAX_DEPTH + 1
    text = "[" * n + "]" * n if how == "lists" else '{"a":' * n + "1" + "}" * n
    path = keras_archive(tmp_path / "deep.keras", text)
    err = refused(capsys, "check-model", str(path))
    assert f"{path}:" in err and f"nested deeper than {MAX_DEPTH}" in err


def test_an_archive_member_that_climbs_out(tmp_path, capsys):
    path = keras_archive(
        tmp_path / "climb.keras", sequential(LSTM), {"../../../../tmp/evil.weights.h5": b"x"}
    )
    err = refused(capsys, "check-model", str(path))
    assert "member '../../../../tmp/evil.weights.h5' points outside the archive" in err


@pytest.mark.parametrize(
    "name, data, said",
    [
        ("empty.keras", b"", "not a readable .keras archive"),
        ("text.keras", b"hello", "not a readable .keras archive"),
        ("truncated.keras", None, "not a readable .keras archive"),
        ("text.h5", b"not hdf5", "not a readable HDF5 file"),
        ("nothing.json", b"[1, 2", "its config is not JSON"),
        ("list.json", b"[1, 2]", "not a Keras model config"),
        ("model.json", json.dumps(sequential(LSTM)).encode(), "weights.h5: not a readable HDF5"),
        ("unweighted.keras", None, "the archive holds no weights (model.weights.h5)"),
    ],
)
def test_files_that_are_not_models(tmp_path, capsys, name, data, said):
    path = tmp_path / name
    if name == "truncated.keras":  # a real archive cut in half
        whole = keras_archive(tmp_path / "whole.keras", sequential(LSTM)).read_bytes()
        data = whole[: len(whole) // 2]
    elif data is None:  # a config, no weights
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("config.json", json.dumps(sequential(LSTM)))
        data = path.read_bytes()
    path.write_bytes(data)
    if path.suffix == ".json":
        (tmp_path / f"{path.stem}.weights.h5").write_bytes(b"")
    err = refused(capsys, "check-model", str(path))
    assert f"{path}: " in err and said in err
