"""A user's own model: read as data, checked against the oracle, recorded, compared
across environments, advised on, and collected by pytest.

The project's own models (models/, scripts/make_models.py) are the fixtures: written
by Keras 2.15 and by Keras 3.15, with both environments' records committed under
fixtures/models/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from synthetic import run_without_keras

from rnn_shapes import oracle
from rnn_shapes.cli import main
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.models.advise import ORACLE, advise
from rnn_shapes.models.config import LayerConfig, describe, recurrent_layers
from rnn_shapes.models.files import model_files, read_model_file
from rnn_shapes.models.records import differences, read_records, record_of
from rnn_shapes.models.survey import load_reasons, survey_of
from rnn_shapes.models.truth import markdown, truth

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
FIXTURES = ROOT / "fixtures"
KERAS2, KERAS3 = "tf2.15-keras2.15-tensorflow", "tf2.21-keras3.15-tensorflow"
SHIPPED = model_files(MODELS)
K3 = MODELS / "keras3.15"
K2 = MODELS / "keras2.15"


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnn_shapes", *args], cwd=cwd, capture_output=True, text=True
    )


# ---------------------------------------------------------------- the file as data


# each writer's files: 7 models as .keras, .h5 and a JSON (Keras 3.13: .keras only); each
# rebuilt in the other major with the first's weights, as .keras
WRITTEN = {
    "keras2.15": 21,
    "keras3.13": 7,
    "keras3.15": 21,
    "keras2.15-in-keras3.15": 7,
    "keras3.15-in-keras2.15": 7,
}


def test_every_shipped_model_is_small_and_read_as_data():
    assert Counter(p.parent.name for p in SHIPPED) == WRITTEN
    for path in SHIPPED:
        file = read_model_file(path)
        writer = path.parent.name.rpartition("-in-")[2]  # a rebuilt model: where it was rebuilt
        if (writer, path.suffix) != ("keras3.15", ".json"):  # Keras 3's JSON says none
            assert file.written_by and file.written_by.startswith(writer[5:]), path
        assert path.stat().st_size < 40_000, path
    names = {
        p.stem: [layer.path for layer in recurrent_layers(read_model_file(p).config)]
        for p in K2.glob("*.h5")
        if not p.name.endswith(".weights.h5")
    }
    assert names == {
        "text_bilstm": ["bilstm"],
        "gru_reset_before": ["gru"],
        "stacked": ["lstm", "gru", "rnn"],
        "seq2seq": ["encoder", "decoder"],
        "lstm_hard_sigmoid": ["lstm"],
        "bigru_state": ["bigru"],
        "masked_float64": ["lstm"],
    }


def test_a_layers_config_on_the_axes_and_what_is_not_modelled():
    layers = {
        layer.path: describe(layer)
        for layer in recurrent_layers(read_model_file(K3 / "stacked.keras").config)
    }
    assert layers["gru"].axes["go_backwards"] is True and layers["gru"].axes["layer"] == "GRU"
    assert layers["gru"].what == "GRU 3, seq back" and layers["rnn"].what == "SimpleRNN 2"
    bi = describe(recurrent_layers(read_model_file(K2 / "text_bilstm.h5").config)[0])
    assert bi.axes["bidirectional"] is True and bi.axes["merge_mode"] == "concat"
    assert bi.judged and not bi.notes
    gru = describe(recurrent_layers(read_model_file(K2 / "gru_reset_before.h5").config)[0])
    assert gru.axes["reset_after"] is False and gru.what == "GRU 4 ra0"
    odd = LayerConfig(
        "m/lstm",
        "LSTM",
        {
            "units": 2,
            "activation": "softsign",
            "kernel_regularizer": {"class_name": "L2"},
            "time_major": True,
            "flavour": 3,
        },
        ("TimeDistributed",),
    )
    d = describe(odd)
    lines = {n.option: n.line() for n in d.notes}
    assert not d.judged
    assert "not modelled" in lines["activation"] and "softsign" in lines["activation"]
    assert (
        "harmless" in lines["kernel_regularizer"] and "forward pass" in lines["kernel_regularizer"]
    )
    assert "not modelled" in lines["time_major"]
    assert "unknown to rnn-shapes" in lines["flavour"] and lines["flavour"].startswith("m/lstm:")
    assert "wrapped in" in lines


def test_nested_models_and_wrappers_are_walked():
    inner = {"class_name": "LSTM", "config": {"name": "lstm", "units": 2}}
    config = {
        "class_name": "Functional",
        "config": {
            "name": "outer",
            "layers": [
                {
                    "class_name": "Sequential",
                    "config": {
                        "name": "enc",
                        "layers": [
                            {
                                "class_name": "TimeDistributed",
                                "config": {"name": "td", "layer": inner},
                            },
                            {
                                "class_name": "Bidirectional",
                                "config": {"name": "bi", "layer": inner},
                            },
                        ],
                    },
                },
                {"class_name": "Dense", "config": {"name": "head"}},
            ],
        },
    }
    found = recurrent_layers(config)
    assert [(f.path, f.class_name, f.wrappers) for f in found] == [
        ("enc/td/lstm", "LSTM", ("TimeDistributed",)),
        ("enc/bi", "Bidirectional", ()),
    ]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("m.keras", b"not a zip", "not a readable .keras archive"),
        ("m.h5", b"not hdf5", "not a readable HDF5 file"),
        ("m.json", b"{nope", "needs its weights"),
        ("m.onnx", b"", "unknown model format '.onnx'"),
    ],
)
def test_a_bad_model_file_is_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, name, content, said
):
    path = tmp_path / name
    path.write_bytes(content)
    before = sorted(tmp_path.rglob("*"))
    assert main(["record-model", str(path), "--out", str(tmp_path / "root")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and said in err, err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, not even the root
    assert path.read_bytes() == content


def test_a_config_json_without_a_model_is_refused(tmp_path):
    (tmp_path / "w.weights.h5").write_bytes(b"")
    (tmp_path / "w.json").write_text("[1, 2]")
    with pytest.raises(RnnShapesError, match="not a Keras model config"):
        read_model_file(tmp_path / "w.json")


def test_reading_and_advising_need_no_keras():
    out = run_without_keras(f"""
        from rnn_shapes.cli import main
        code = main(["advise", {str(K3 / "seq2seq.keras")!r}, "--from", {KERAS3!r},
                     "--to", {KERAS2!r}, "--root", {str(FIXTURES)!r}])
        print("advise exit", code)
    """)
    assert "advise exit 1" in out.stdout, out.stderr
    assert "answer: will not load: " in out.stdout


# ---------------------------------------------------------------- check-model


@pytest.fixture(scope="module")
def env() -> Environment:
    return Environment.installed()


def _check(path: Path, env: Environment):
    from rnn_shapes.models.check import check_model

    return check_model(read_model_file(path), env)


@pytest.mark.keras
@pytest.mark.parametrize(
    "path", sorted(K3.glob("*.keras")) + sorted(K3.glob("*.json")), ids=lambda p: p.name
)
def test_the_shipped_keras3_models_agree_layer_by_layer(path, env):
    check = _check(path, env)
    assert check.loads, check.error
    assert check.layers and all(c.status in ("agrees", "defect") for c in check.layers), [
        (c.path, c.verdict_text, [p.text for p in c.problems]) for c in check.layers
    ]
    judged = [c for c in check.layers if c.max_deviation is not None]
    assert len(judged) == len(check.layers)  # every layer's values were judged


@pytest.mark.keras
def test_the_seq2seq_decoder_shows_the_listed_dropped_mask(env):
    """The decoder is given the encoder's states: Keras 3 drops the Embedding's mask."""
    check = _check(K3 / "seq2seq.keras", env)
    decoder = next(c for c in check.layers if c.path == "decoder")
    assert decoder.status == "defect" and decoder.defects == ("initial-state-drops-implicit-mask",)
    assert decoder.case_id.endswith("mask_right_by_layer-h0_input_keyword")
    assert decoder.max_deviation > 1e-3  # the padded steps were run
    encoder = next(c for c in check.layers if c.path == "encoder")
    assert encoder.status == "agrees" and encoder.max_deviation < 1e-6


@pytest.mark.keras
def test_a_weight_read_wrong_is_caught(env, monkeypatch):
    """Break on purpose: gates swapped when the model's weights are read."""
    import rnn_shapes.keras.model as model_side

    real = model_side.unpacked

    def swapped(rnn):
        gates = real(rnn)
        names = list(gates)
        return dict(zip(names, [gates[n] for n in reversed(names)], strict=True))

    monkeypatch.setattr(model_side, "unpacked", swapped)
    check = _check(K3 / "stacked.keras", env)
    assert {c.path: c.status for c in check.layers} == {
        "lstm": "differs",
        "gru": "differs",
        "rnn": "agrees",  # SimpleRNN has one gate
    }


@pytest.mark.keras
def test_keras2_files_do_not_load_here_and_say_why(env):
    check = _check(K2 / "gru_reset_before.h5", env)
    assert not check.loads
    assert "Unrecognized keyword arguments passed to GRU: {'time_major': False}" in check.error


@pytest.mark.keras
def test_a_file_that_does_not_load_as_a_listed_defect_says_is_that_defect(env, tmp_path):
    """A Keras 3 .h5 of a text model (Embedding(mask_zero=True)) does not load here: the
    layers' cases, as saved in .h5, are what the listed entry concerns, and the error
    is its signature; so check-model names the defect, its link and what to do instead.
    A file that fails otherwise (Keras 2's GRU keyword) names none and differs."""
    check = _check(K3 / "text_bilstm.h5", env)
    assert not check.loads and "Unknown layer: 'NotEqual'" in str(check.error)
    assert [d.name for d in check.load_defects] == ["keras3-h5-masking-layer-not-loadable"]
    assert check.agrees
    other = _check(K2 / "gru_reset_before.h5", env)
    assert not other.loads and other.load_defects == () and not other.agrees
    text = _cli("check-model", str(K3 / "text_bilstm.h5"), "--root", str(tmp_path / "none"))
    assert text.returncode == 0, text.stdout + text.stderr
    assert "as listed Keras defect 'keras3-h5-masking-layer-not-loadable' says" in text.stdout
    assert "instead: save the model as .keras" in text.stdout
    assert text.stdout.rstrip().endswith("does not load, as a listed Keras defect says")


@pytest.mark.keras
def test_check_model_cli_text_json_junit_and_the_records(tmp_path):
    path = K3 / "seq2seq.keras"
    text = _cli("check-model", str(path), "--root", str(FIXTURES))
    assert text.returncode == 1, text.stderr  # the Keras 2.15 record: it does not load there
    out = text.stdout
    assert "decoder" in out and "known defect 'initial-state-drops-implicit-mask'" in out
    assert f"{KERAS2}: loads in {KERAS3}, not in {KERAS2}" in out
    report = tmp_path / "r.json"
    assert (
        _cli(
            "check-model",
            str(path),
            "--format",
            "json",
            "--output",
            str(report),
            "--root",
            str(FIXTURES),
        ).returncode
        == 1
    )
    doc = json.loads(report.read_text())
    (model,) = doc["models"]
    assert [layer["layer"] for layer in model["layers"]] == ["encoder", "decoder"]
    assert model["records"][0]["environment"] == KERAS2 and model["records"][0]["differences"]
    junit = _cli(
        "check-model",
        str(K3 / "stacked.keras"),
        "--format",
        "junit",
        "--root",
        str(tmp_path / "empty"),
    )
    assert junit.returncode == 0, junit.stdout
    suite = ET.fromstring(junit.stdout).find("testsuite")
    assert suite.get("failures") == "0" and suite.get("tests") == "4"  # load + 3 layers
    junit = _cli("check-model", str(path), "--format", "junit", "--root", str(FIXTURES))
    cases = ET.fromstring(junit.stdout).find("testsuite").findall("testcase")
    records = {c.get("name"): c for c in cases if c.get("classname") == "rnn_shapes.model.record"}
    failure = records[KERAS2].find("failure")  # it does not load there: a line per difference
    assert failure.get("message") == failure.text.splitlines()[0]
    assert failure.text.splitlines() == model["records"][0]["differences"]


# ---------------------------------------------------------------- records


def test_the_committed_records_say_what_an_upgrade_changes():
    """Keras 2.15's files do not load in Keras 3.15 and the reverse; Keras 3's own .h5 of
    a masked model does not load in Keras 3 either (the listed NotEqual defect)."""
    outcome = {}
    for path in SHIPPED:
        for record in read_records(FIXTURES, read_model_file(path)):
            outcome[(path.parent.name, path.name, record.name)] = record.loads
    recorded = Counter(w for w, _, _ in outcome)  # each file in the environments of its pairs
    assert recorded == {
        "keras2.15": 21 * 2,
        "keras3.13": 7 * 3,  # and in Keras 2.15
        "keras3.15": 21 * 3,  # and in the nightly
        "keras2.15-in-keras3.15": 7 * 2,  # where it was rebuilt, and in the other major
        "keras3.15-in-keras2.15": 7 * 2,
    }
    assert all(
        outcome[("keras2.15", p.name, KERAS2)]
        for p in K2.iterdir()
        if not p.name.endswith(".weights.h5")
    )
    assert not any(
        outcome[("keras2.15", p.name, KERAS3)]
        for p in K2.iterdir()
        if not p.name.endswith(".weights.h5")
    )
    assert not any(v for (w, _, e), v in outcome.items() if w == "keras3.15" and e == KERAS2)
    assert {
        n for (w, n, e), v in outcome.items() if w == "keras3.15" and e == KERAS3 and not v
    } == {"seq2seq.h5", "stacked.h5", "text_bilstm.h5"}


@pytest.mark.keras
def test_record_model_writes_the_same_bytes_and_check_model_compares(tmp_path, env):
    path = K3 / "gru_reset_before.keras"
    root = tmp_path / "root"
    assert main(["record-model", str(path), "--out", str(root)]) == 0
    (written,) = root.glob("models/*/*.json")
    first = written.read_bytes()
    assert main(["record-model", str(path), "--out", str(root)]) == 0
    assert written.read_bytes() == first
    committed = FIXTURES / "models" / written.parent.name / written.name
    assert committed.read_bytes() == first  # the committed record is this environment's
    here = record_of(_check(path, env), env)
    (mine,) = read_records(root, read_model_file(path))
    assert differences(here, mine) == []
    doc = json.loads(first)
    doc["outputs"]["gru#0"]["values"][0][0][0] += 1e-3  # another environment's numbers
    other = root / "models" / written.parent.name / f"{KERAS2}.json"
    other.write_text(json.dumps(doc))
    (theirs,) = [r for r in read_records(root, read_model_file(path)) if r.name == KERAS2]
    assert any("values > 4 ULP" in line for line in differences(here, theirs))
    other.write_text("{broken")
    with pytest.raises(RnnShapesError, match=str(other)):
        read_records(root, read_model_file(path))


def test_record_model_into_an_unwritable_root_is_one_line(tmp_path, capsys):
    root = tmp_path / "root"
    root.write_text("a file")
    assert main(["record-model", str(K3 / "stacked.keras"), "--out", str(root)]) == 2
    assert str(root) in capsys.readouterr().err


# ---------------------------------------------------------------- advise


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_advise_says_why_a_file_will_not_load(path):
    """From the survey alone (the records of the shipped files set aside), the reasons
    advise's prediction is made of say whether each file loads in every environment
    that recorded it, and the first is the one the load raised."""
    file = read_model_file(path)
    records = read_records(FIXTURES, file)
    assert records
    for record in records:
        survey, _ = survey_of(Environment.of(record.environment))
        reasons = load_reasons(file.config, file.format, survey)
        assert (not reasons) == record.loads, (record.name, record.error, reasons)
        if not record.loads:
            assert reasons[0].named_in(record.error), (reasons[0], record.error)


def test_a_reason_not_surveyed_is_not_said(monkeypatch):
    """Broken on purpose: without the survey's module paths, Keras 2.15's .keras
    files are no longer said to fail on them, and the first reason is wrong."""
    from rnn_shapes.models import survey

    path = K2 / "lstm_hard_sigmoid.keras"
    said = advise(read_model_file(path), KERAS2, KERAS3, FIXTURES).reasons
    assert [r.kind for r in said] == ["module", "key"]
    assert said[0].subject == "keras.src.engine.functional" and said[1].subject == "time_major"
    original = survey.survey_of

    def without_modules(env):
        found, note = original(env)
        return {k: v for k, v in found.items() if k != "refused_modules"}, note

    monkeypatch.setattr("rnn_shapes.models.advise.survey_of", without_modules)
    said = advise(read_model_file(path), KERAS2, KERAS3, FIXTURES).reasons
    record = {r.name: r for r in read_records(FIXTURES, read_model_file(path))}[KERAS3]
    assert not said[0].named_in(record.error)


def _changes(item, aspect: str) -> list:
    return [c for c in item.changes if c.aspect == aspect]


def test_advise_names_the_container_change_and_the_defect():
    advice = advise(read_model_file(K2 / "seq2seq.h5"), KERAS2, KERAS3, FIXTURES)
    by_layer = {a.config.path: a for a in advice.layers}
    (container,) = _changes(by_layer["encoder"], "container")
    assert container.text == "container list -> tuple"
    assert container.cases and all("-state1-" in cid for cid in container.cases)
    sized = [c for c in _changes(by_layer["decoder"], "values") if c.size is not None]
    assert sized and "initial-state-drops-implicit-mask" in sized[0].basis
    assert any(r.subject == "time_major" and r.where == "encoder" for r in advice.reasons)
    assert not advice.loads
    assert advice.headline().startswith("will not load: 2 reasons; after a rebuild")
    same = advise(read_model_file(K3 / "stacked.keras"), KERAS3, KERAS3, FIXTURES)
    assert not same.changes and same.loads
    assert same.headline() == "loads; no change known in its 3 recurrent layers"


def test_no_like_case_is_said_and_the_rules_predict_hard_sigmoid(monkeypatch):
    """No committed case is like an LSTM with hard_sigmoid gates: advise says so, then
    predicts from the oracle under each major's rules; with the two majors' slopes
    made equal on purpose, that prediction goes."""
    path = K2 / "lstm_hard_sigmoid.h5"
    (item,) = advise(read_model_file(path), KERAS2, KERAS3, FIXTURES).layers
    assert item.like == 0 and item.evidence().startswith("no committed case is like it")
    (values,) = _changes(item, "values")
    assert values.basis == ORACLE and 0.005 < values.size < 0.1
    assert "the same in both" in item.weights
    monkeypatch.setitem(oracle.HARD_SIGMOID_SLOPE, 2, oracle.HARD_SIGMOID_SLOPE[3])
    (item,) = advise(read_model_file(path), KERAS2, KERAS3, FIXTURES).layers
    assert not _changes(item, "values")


def test_advise_json_answers_first():
    args = ("advise", str(K2 / "lstm_hard_sigmoid.keras"), "--from", KERAS2, "--to", KERAS3)
    out = _cli(*args, "--root", str(FIXTURES), "--format", "json")
    assert out.returncode == 1, out.stderr
    (doc,) = json.loads(out.stdout)
    assert list(doc)[:2] == ["answer", "loads"]
    assert doc["answer"].startswith("will not load: 2 reasons;")
    assert [r["kind"] for r in doc["reasons"]] == ["module", "key"]
    assert doc["aspects"] == ["loads", "values"]
    text = _cli(*args, "--root", str(FIXTURES)).stdout.splitlines()
    assert text[2] == f"answer: {doc['answer']}"


def test_advise_predicts_what_the_upgrade_does():
    """Every prediction of advise on the project's models, for each pair the tox
    environments run, against the records; the table docs/models.md shows is this one."""
    found = truth(FIXTURES, MODELS)
    assert not found.wrong(), found.wrong()
    assert not found.unchecked
    pairs = {o.pair for o in found.outcomes}
    assert len(pairs) == 4 and any("keras3.16" in p for p in pairs)
    happened = {(o.pair.split(" -> ")[0], o.aspect) for o in found.outcomes if o.happened}
    assert {"loads", "container", "values", "masks"} <= {a for _, a in happened}
    assert markdown(found) in (ROOT / "docs" / "models.md").read_text()


def test_a_prediction_taken_away_is_a_miss(monkeypatch):
    """Broken on purpose: without the rules and the oracle, the hard_sigmoid model's
    values change is missed."""
    monkeypatch.setattr("rnn_shapes.models.advise._from_rules", lambda *a: None)
    wrong = truth(FIXTURES, MODELS).wrong()
    assert any(o.file.startswith("lstm_hard_sigmoid") and o.aspect == "values" for o in wrong)


# ---------------------------------------------------------------- pytest


def _project(tmp_path: Path, models: str | None) -> Path:
    (tmp_path / "models").mkdir(parents=True)
    for name in ("stacked.keras", "gru_reset_before.keras"):
        shutil.copy(K3 / name, tmp_path / "models" / name)
    shutil.copy(K2 / "gru_reset_before.h5", tmp_path / "models" / "old_gru.h5")
    table = "" if models is None else f"[tool.rnn-shapes]\nmodels = {models}\n"
    (tmp_path / "pyproject.toml").write_text(table)
    return tmp_path


def _pytest(cwd: Path, *args: str, suite: str = "rnn_shapes.conformance.test_models"):
    """pytest on the packaged `suite` in a project folder (no golden root from outside)."""
    env = {k: v for k, v in os.environ.items() if k != "RNN_SHAPES_GOLDEN_ROOT"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", suite]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.mark.keras
def test_pytest_collects_one_test_per_model_and_layer(tmp_path):
    project = _project(tmp_path, '["models/*.keras", "models/*.h5"]')
    out = _pytest(project, "-q", "-rf")
    assert "1 failed, 4 passed" in out.stdout, out.stdout + out.stderr
    assert "old_gru.h5::gru" in out.stdout and "time_major" in out.stdout


def test_pytest_is_inert_without_models_and_refuses_a_glob_that_matches_nothing(tmp_path):
    project = _project(tmp_path / "a", None)
    said = _pytest(project, "-q", "-rs")  # the file named: one skip saying why
    assert "1 skipped" in said.stdout and "names no model file" in said.stdout, said.stdout
    suite = _pytest(  # the packaged suite: not even collected
        project, "--collect-only", "-q", "--rnn-matrix", "smoke", suite="rnn_shapes.conformance"
    )
    assert suite.returncode == 0 and "test_case[" in suite.stdout, suite.stdout + suite.stderr
    assert "test_model" not in suite.stdout
    wrong = _pytest(_project(tmp_path / "b", '["nets/*.keras"]'), "-q")
    assert wrong.returncode == 2 and "'nets/*.keras' matches no file" in wrong.stdout


# ---------------------------------------------------------------- a model of its own


@pytest.mark.keras
def test_time_distributed_nested_and_custom_activation(tmp_path, env):
    """A layer inside TimeDistributed and a nested model is found and judged on each
    call its wrapper makes; a custom activation is named and not judged."""
    from rnn_shapes.keras.backend import keras_module

    k = keras_module()
    k.utils.set_random_seed(1)
    inner_in = k.Input(shape=(4, 3))
    inner = k.Model(
        inner_in, k.layers.GRU(2, activation="softsign", name="soft")(inner_in), name="inner"
    )
    x_in = k.Input(shape=(2, 4, 3))
    x = k.layers.TimeDistributed(k.layers.LSTM(3, name="lstm"), name="td")(x_in)
    y = k.layers.Reshape((2 * 3,))(x)
    model = k.Model([x_in], [y, inner(k.layers.Reshape((4, 3))(x_in[:, 0]))])
    path = tmp_path / "nested.keras"
    model.save(path)
    before = path.read_bytes()
    check = _check(path, env)
    assert path.read_bytes() == before
    by = {(c.path, c.call): c for c in check.layers}
    assert [c.status for (p, _), c in by.items() if p == "td/lstm"] == ["agrees", "agrees"]
    soft = by[("inner/soft", 0)]
    assert soft.status == "not judged" and "softsign" in soft.why_not
    assert any("softsign" in n.line() and "not modelled" in n.line() for n in soft.notes)
    assert not check.agrees


def test_a_keras_archive_without_config_is_bad_input(tmp_path):
    path = tmp_path / "empty.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
    with pytest.raises(RnnShapesError, match=r"not a readable \.keras archive"):
        read_model_file(path)


def test_a_custom_object_nobody_can_import_is_bad_input(tmp_path, capsys):
    """One line naming the file and the object, exit 2, nothing written (no Keras start)."""
    config = json.loads(zipfile.ZipFile(K3 / "stacked.keras").read("config.json"))
    layer = config["config"]["layers"][-1]
    layer |= {"module": "nowhere_pkg.layers", "registered_name": "nowhere_pkg>Fancy"}
    path = tmp_path / "custom.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr(
            "model.weights.h5", zipfile.ZipFile(K3 / "stacked.keras").read("model.weights.h5")
        )
    before = sorted(tmp_path.rglob("*"))
    assert main(["record-model", str(path), "--out", str(tmp_path / "root")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err, err
    assert "nowhere_pkg>Fancy (module nowhere_pkg.layers)" in err
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.keras
def test_an_explicit_backward_layer_of_another_type_is_judged(tmp_path, env):
    """Bidirectional(LSTM, backward_layer=GRU): each direction with its own weights."""
    from rnn_shapes.keras.backend import keras_module

    k = keras_module()
    k.utils.set_random_seed(2)
    x_in = k.Input(shape=(5, 3))
    back = k.layers.GRU(2, return_sequences=True, go_backwards=True)
    bi = k.layers.Bidirectional(
        k.layers.LSTM(3, return_sequences=True), backward_layer=back, name="bi"
    )
    path = tmp_path / "bi.keras"
    k.Model(x_in, bi(x_in)).save(path)
    (check,) = _check(path, env).layers
    assert check.status == "agrees", [p.text for p in check.problems]
    assert check.case_id.endswith("-bwd_GRU-ra1_U2") and check.output_shapes == ((3, 5, 5),)


@pytest.mark.keras
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_model_does_here_what_its_record_says(path, env):
    """Loaded and checked live in the README's environment: what its committed record of
    this environment says, to the bit (loads or not, Keras' message, every output)."""
    check = _check(path, env)
    records = {r.name: r for r in read_records(FIXTURES, check.file)}
    assert env.name in records, f"{path}: no record of {env.name} (rnn-shapes record-model)"
    assert differences(record_of(check, env), records[env.name]) == []
    assert all(c.status in ("agrees", "defect") for c in check.layers)
