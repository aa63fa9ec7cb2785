"""What a case is and what it must return, as data: the case, the matrices, the
inputs, the weights gate by gate, the signature from the rules, and selection.
Pure Python and NumPy; nothing here imports Keras."""
