"""The Keras side, kept thin: Keras' start-up (`backend`, the only place Keras is
imported), the case's real model (`build`, kept in `cache`), running it (`run`,
`rows`), a user's model run once (`model`), and the worker pool that runs many cases."""
