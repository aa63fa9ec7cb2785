"""Environment names and the promise a tox environment's name makes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

from rnn_shapes.environment import (
    channel,
    environment_name,
    expectation_problems,
    installed,
    major,
    pre_release,
    release_order,
    version_tuple,
)

ENV = {"tensorflow": "2.15.1", "keras": "2.15.0", "backend": "tensorflow"}


def test_environment_name():
    assert environment_name(ENV) == "tf2.15-keras2.15-tensorflow"


def test_promise_kept():
    assert expectation_problems("tensorflow=2.15 keras=2 backend=tensorflow", ENV) == []


def test_promise_broken_names_what():
    problems = expectation_problems("tensorflow=2.16 keras=3 backend=jax", ENV)
    assert problems == [
        "tensorflow is 2.15.1, the environment promises 2.16",
        "keras is 2.15.0, the environment promises 3",
        "backend is tensorflow, the environment promises jax",
    ]
    assert expectation_problems("tensorflow=2.1", ENV)  # 2.15.1 is not 2.1.x


def test_unreadable_promise():
    assert "cannot read" in expectation_problems("tensorflow", ENV)[0]


@pytest.mark.parametrize(
    ("version", "parts", "want"),
    [
        ("2.15.1", 2, (2, 15)),
        ("2.16.0rc1", 2, (2, 16)),
        ("2.16rc1", 2, (2, 16)),
        ("3.0.0.dev20240101", 3, (3, 0, 0)),
        ("2.21.0+cpu", 3, (2, 21, 0)),
        ("3", 2, (3, 0)),
        ("10.2.3", 1, (10,)),
    ],
)
def test_version_tuple(version, parts, want):
    assert version_tuple(version, parts) == want


def test_version_tuple_orders_numerically():
    assert version_tuple("2.9.0") < version_tuple("2.16.0rc1") < version_tuple("2.17")
    assert version_tuple("2.16.0rc1", 3) < version_tuple("2.16.1", 3)
    assert major("2.16.0rc1") == 2 and major("10.0") == 10
    for bad in ("none", "", "v2.16"):
        with pytest.raises(ValueError, match="not a version number"):
            version_tuple(bad)


BLOCKED = ("tensorflow", "keras", "tf_keras", "jax", "torch")
# installed() in a child where importing any framework raises.
INSTALLED_CHILD = textwrap.dedent(f"""
    import json, sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {BLOCKED!r}:
                raise ImportError("blocked: " + name)
    sys.meta_path.insert(0, Block())
    from rnn_shapes.environment import installed
    print(json.dumps(installed()))
""")


def dist_version(*dists: str) -> str:
    """The first of `dists` installed, as its metadata says; 'none' if none is."""
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return "none"


@pytest.mark.parametrize(
    ("keras_backend", "legacy"),
    [("tensorflow", False), ("jax", False), ("torch", False), (None, False), ("jax", True)],
    ids=["tensorflow", "jax", "torch", "keras.json", "legacy-keras"],
)
def test_installed_reads_metadata_only(keras_backend, legacy, monkeypatch, tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "openvino"}))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # read when KERAS_BACKEND is unset
    if keras_backend is None:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    else:
        monkeypatch.setenv("KERAS_BACKEND", keras_backend)
    if legacy:
        monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    else:
        monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    keras = dist_version("tf_keras", "tf-keras") if legacy else dist_version("keras")
    # Keras 2 (`keras` up to TF 2.15, tf-keras after) runs on TensorFlow only;
    # Keras 3 takes KERAS_BACKEND, else the backend of keras.json.
    keras3 = not legacy and not keras.startswith("2.")
    want = {
        "tensorflow": dist_version("tensorflow", "tensorflow-cpu", "tensorflow-macos"),
        "keras": keras,
        "backend": (keras_backend or "openvino") if keras3 else "tensorflow",
    }
    assert installed() == want
    child = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHILD], capture_output=True, text=True
    )  # the child inherits the monkeypatched environment
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == want


NIGHTLY = {"tensorflow": "none", "keras": "3.16.0.dev2026102704", "backend": "jax"}


@pytest.mark.parametrize(
    ("version", "pre"),
    [
        ("3.16.0.dev2026102704", True),
        ("2.23.0.dev20261026", True),
        ("2.22.0rc0", True),
        ("3.0.0b1", True),
        ("3.15.1", False),
        ("2.13.0+cpu", False),
        ("2.15.0.post1", False),
    ],
)
def test_pre_release(version, pre):
    assert pre_release(version) is pre


def test_a_pre_release_set_names_its_build_and_sorts_after_every_release():
    assert environment_name(NIGHTLY) == "keras3.16.0.dev2026102704-jax"
    both = {
        "tensorflow": "2.23.0.dev20261026",
        "keras": "2.23.0.dev2026102618",
        "backend": "tensorflow",
    }
    assert environment_name(both) == "tf2.23.0.dev20261026-keras2.23.0.dev2026102618-tensorflow"
    release = {"tensorflow": "2.21.0", "keras": "3.15.1", "backend": "tensorflow"}
    assert environment_name(release) == "tf2.21-keras3.15-tensorflow"  # releases as ever
    assert [channel(e) for e in (release, NIGHTLY, both)] == ["stable", "next", "next"]
    newest = {"tensorflow": "none", "keras": "3.99.0", "backend": "numpy"}
    older_build = {**NIGHTLY, "keras": "3.16.0.dev2026102001"}
    ordered = sorted([NIGHTLY, both, newest, release, older_build], key=release_order)
    assert ordered == [release, newest, both, older_build, NIGHTLY]
