"""The names the plugin gives pytest: its markers and the test arguments it parametrises."""

from __future__ import annotations

# The marker each layer's cases carry (`-m lstm` runs the LSTM cases).
LAYER_MARKS = {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}
MARKERS = (
    "rnn_shapes: a test of the rnn-shapes conformance suite",
    "simplernn: an rnn-shapes case of a SimpleRNN layer",
    "lstm: an rnn-shapes case of an LSTM layer",
    "gru: an rnn-shapes case of a GRU layer",
    "keras: the test builds and runs Keras models",
)
# Test arguments the plugin parametrises over the matrix (prefixed: a user's
# own `case` fixture stays theirs).
CASE_ARGS = ("rnn_case", "rnn_predict_case", "rnn_weights_case")
# ... and over `[tool.rnn-shapes] models`: (model file, recurrent layer path)
MODEL_ARG = "rnn_model_layer"
# The plugin's fixture: a test asking for it is a test of the suite.
SESSION_FIXTURE = "rnn_session"
