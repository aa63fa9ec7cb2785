"""rnn-shapes' self-test: faults injected on purpose, each of which the harness must report.

A conformance harness that stays green whatever Keras does proves nothing. The
catalogue breaks Keras (patched at run time), the oracle, and a golden set
(a copy), one fault at a time, on a small slice of cases, and requires the
judge to report each; a control perturbation inside the documented tolerance
must not be reported (rnn-shapes selftest, docs/selftest.md).
"""
