"""The parts of one pytest process's conformance run, one concern a module.

RnnSession (rnn_shapes/pytest_session.py) composes them for the plugin's hooks
and fixtures (rnn_shapes/pytest_plugin.py); nothing here imports either.
"""
