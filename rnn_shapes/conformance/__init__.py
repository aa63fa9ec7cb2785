"""The conformance suite, shipped in the package so an installed wheel can run it:

python -m pytest --pyargs rnn_shapes -n 2 --rnn-matrix smoke
"""
