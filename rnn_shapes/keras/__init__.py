"""The Keras side, kept thin: which TensorFlow / Keras / backend is installed (read
from package metadata), Keras' start-up (`backend`, the only place Keras is
imported), the case's real model (`build`, kept in `cache`), running it (`run`,
`rows`), and the worker pool that runs many cases."""
