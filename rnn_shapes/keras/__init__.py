"""The Keras side, kept thin: which TensorFlow / Keras / backend is installed (read
from package metadata), the runner that builds and runs a case's real model (the
only place Keras is imported), and the worker pool that runs many cases."""
