"""Which TensorFlow / Keras / backend is installed, read without importing them.

Names the golden set of an environment, and checks a tox environment got what
its name promises (RNN_SHAPES_EXPECT="tensorflow=2.15 keras=2 backend=tensorflow").
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path

from rnn_shapes.errors import RnnShapesError


def _version(*dists: str) -> str:
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "none"


def legacy_keras() -> bool:
    """TF_USE_LEGACY_KERAS=1 selects tf-keras (Keras 2) on TF 2.16+."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true")


def _keras_config() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"


def configured_backend() -> str:
    """The backend Keras 3 will pick: KERAS_BACKEND, else ~/.keras/keras.json, else tensorflow."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    try:
        return str(json.loads(_keras_config().read_text())["backend"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "tensorflow"


KERAS_BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")  # what Keras 3 starts on


def backend_problem(backend: str) -> str:
    """'' for a backend Keras knows; else one line naming where the name came from
    (Keras would fail on every case, each reported as a refusal)."""
    if backend in KERAS_BACKENDS:
        return ""
    where = (
        f"KERAS_BACKEND={backend!r}"
        if os.environ.get("KERAS_BACKEND")
        else f"{_keras_config()}: backend {backend!r}"
    )
    return f"{where}: not a Keras backend (one of {', '.join(KERAS_BACKENDS)})"


# The distributions that install each package: the first one found gives the version.
KERAS_DISTS = ("keras", "keras-nightly")
TF_KERAS_DISTS = ("tf_keras", "tf-keras", "tf-keras-nightly")
TF_DISTS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly", "tf-nightly-cpu")


def installed() -> dict[str, str]:
    """tensorflow, keras and backend as the package metadata says."""
    keras = _version(*TF_KERAS_DISTS) if legacy_keras() else _version(*KERAS_DISTS)
    if keras.startswith("2.") and not legacy_keras():
        # TF <= 2.15 ships Keras 2 as `keras`; it runs on TensorFlow only
        backend = "tensorflow"
    else:
        backend = "tensorflow" if legacy_keras() else configured_backend()
    return {
        "tensorflow": _version(*TF_DISTS),
        "keras": keras,
        "backend": backend,
    }


def version_tuple(version: str, parts: int = 2) -> tuple[int, ...]:
    """(2, 16) for '2.16.0rc1': the leading numeric fields, padded with 0, for ordering.

    Pre-release and local suffixes ('rc1', '.dev0', '+cpu') are ignored so a
    release candidate sorts with its release. Raises ValueError when the
    version does not start with a number (e.g. 'none', not installed).
    """
    release = re.match(r"\d+(?:\.\d+)*", version.strip())
    if release is None:
        raise ValueError(f"not a version number: {version!r}")
    numbers = tuple(int(n) for n in release.group().split(".")[:parts])
    return numbers + (0,) * (parts - len(numbers))


def major(version: str) -> int:
    """2 for '2.15.1'."""
    return version_tuple(version, 1)[0]


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


_PRE_RELEASE = re.compile(r"\d(?:a|b|rc|\.?dev)\d*")  # PEP 440: 3.16.0.dev2026102704, 2.22.0rc0


def pre_release(version: str) -> bool:
    """Whether a version is a pre-release: a nightly's .devN, an rc, an alpha or beta."""
    return bool(_PRE_RELEASE.search(version.split("+")[0]))


def _named(version: str) -> str:
    """A release by its minor ('3.15'); a pre-release by its whole version, so its
    set says which build it is."""
    return version if pre_release(version) else minor(version)


def environment_name(env: dict[str, str]) -> str:
    """The golden-set folder of an environment, e.g. 'tf2.21-keras3.15-tensorflow',
    'keras3.0-jax' where TensorFlow is not installed, or
    'tf2.21-keras3.16.0.dev2026102704-tensorflow' for a pre-release."""
    tf = "" if env["tensorflow"] == "none" else f"tf{_named(env['tensorflow'])}-"
    return f"{tf}keras{_named(env['keras'])}-{env['backend']}"


def build_date(version: str) -> date | None:
    """A nightly's build day, from its .devYYYYMMDD[NN] ('3.16.0.dev2026102704': 27 Oct
    2026); None for a release or a dev version that names no day."""
    found = re.search(r"\.?dev(\d{4})(\d{2})(\d{2})", version)
    if found is None:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


CHANNELS = ("stable", "next")  # releases; pre-releases (a nightly or rc of Keras or TensorFlow)


def channel(env: Mapping[str, str]) -> str:
    """'next' where Keras or TensorFlow is a pre-release, else 'stable'."""
    return "next" if any(pre_release(env[k]) for k in ("keras", "tensorflow")) else "stable"


BACKEND_ORDER = ("tensorflow", "jax", "torch", "numpy", "openvino")


def release_order(env: dict[str, str]) -> tuple:
    """Sort key of environments in release order: every release, then every
    pre-release; within each, Keras, then TensorFlow, then backend (Keras 2.12 ...
    2.21 (tf-keras), 3.0, 3.0 on JAX, 3.0 on torch, 3.1, ...), a pre-release's
    build last."""
    tf = (0, 0) if env["tensorflow"] == "none" else version_tuple(env["tensorflow"])
    backend = env["backend"]
    rank = BACKEND_ORDER.index(backend) if backend in BACKEND_ORDER else len(BACKEND_ORDER)
    builds = (env["keras"], env["tensorflow"])
    return (CHANNELS.index(channel(env)), version_tuple(env["keras"]), rank, tf, backend, builds)


def broken_promise(env: dict[str, str]) -> str:
    """'' where RNN_SHAPES_EXPECT (tox.ini sets it per environment) is unset or kept by
    `env`; else one line saying where it is broken."""
    expect = os.environ.get("RNN_SHAPES_EXPECT")
    problems = expectation_problems(expect, env) if expect else []
    return f"RNN_SHAPES_EXPECT={expect!r}: {'; '.join(problems)}" if problems else ""


def expectation_problems(expect: str, env: dict[str, str]) -> list[str]:
    """Where `env` breaks a promise like 'tensorflow=2.15 keras=2 backend=tensorflow'."""
    problems = []
    for item in expect.split():
        key, sep, want = item.partition("=")
        if not sep or key not in env:
            problems.append(f"cannot read {item!r} (expected key=value, key one of {sorted(env)})")
            continue
        got = env[key]
        if not (got == want or got.startswith(want + ".")):
            problems.append(f"{key} is {got}, the environment promises {want}")
    return problems


# The environment's fields, in the order a golden set's metadata lists them.
FIELDS = ("tensorflow", "keras", "backend", "backend_version", "numpy", "python", "platform")
# The package whose version is the backend's own (TensorFlow's is its own field).
BACKEND_DISTS = {
    "tensorflow": TF_DISTS,
    "jax": ("jax",),
    "torch": ("torch",),
    "numpy": ("numpy",),
    "openvino": ("openvino",),
}


@dataclass(frozen=True)
class Environment:
    """One TF / Keras / backend environment: what a golden set belongs to.

    Read once from package metadata (`Environment.installed()`), never by
    importing Keras, so the CLI, pytest, recording, status and record-all all
    see the same value; a golden set's metadata gives the environment it was
    recorded in (`Environment.of`).
    """

    tensorflow: str
    keras: str
    backend: str
    backend_version: str = "none"  # the backend package's (jax 0.10.2, torch 2.13.0+cpu, ...)
    numpy: str = "none"
    python: str = "none"
    platform: str = "none"

    @staticmethod
    @cache
    def installed() -> Environment:
        """This process's environment (KERAS_BACKEND and TF_USE_LEGACY_KERAS as set now;
        read once per process)."""
        found = installed()
        return Environment(
            **found,
            backend_version=_version(*BACKEND_DISTS.get(found["backend"], ())),
            numpy=_version("numpy"),
            python=platform.python_version(),
            platform=f"{sys.platform}-{platform.machine()}",
        )

    @staticmethod
    def of(meta: Mapping[str, str]) -> Environment:
        """The environment a golden set's metadata names (other keys ignored)."""
        return Environment(**{k: str(meta[k]) for k in FIELDS if k in meta})

    @property
    def name(self) -> str:
        """The golden-set folder, e.g. 'tf2.21-keras3.15-tensorflow'."""
        return environment_name(self.versions())

    @property
    def keras_major(self) -> int:
        return major(self.keras)

    @property
    def keras_release(self) -> tuple[int, int]:
        """(3, 16) for '3.16.0.dev2026102704': what a rule's version condition reads."""
        return version_tuple(self.keras, 2)  # type: ignore[return-value]

    def versions(self) -> dict[str, str]:
        """tensorflow, keras and backend: what names the environment and what a
        defect's range and RNN_SHAPES_EXPECT are read against."""
        return {"tensorflow": self.tensorflow, "keras": self.keras, "backend": self.backend}

    def metadata(self) -> dict[str, str]:
        """Every field, in the order a golden set writes them."""
        return {k: getattr(self, k) for k in FIELDS}

    def release_order(self) -> tuple:
        return release_order(self.versions())

    def broken_promise(self) -> str:
        return broken_promise(self.versions())

    def problem(self) -> str:
        """'' where cases can run and be named here: the backend is one Keras knows and
        RNN_SHAPES_EXPECT's promise is kept; else one line saying why not."""
        return backend_problem(self.backend) or self.broken_promise()

    @staticmethod
    def usable() -> Environment:
        """The installed environment, once its backend is one Keras knows and it keeps
        what RNN_SHAPES_EXPECT (set by tox.ini) promises: a set is never recorded, or
        called current, under the name of an environment that resolved another
        release. RnnShapesError (exit 2) saying why not."""
        env = Environment.installed()
        problem = env.problem()
        if problem:
            raise RnnShapesError(problem)
        return env
