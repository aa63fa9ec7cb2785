"""Exploration: valid cases no matrix holds, drawn with hypothesis (rnn_shapes.strategies),
each judged by the one judge with a relation beside it; what is unexplained is
shrunk to a minimal case and handed over as a standalone reproduction."""
