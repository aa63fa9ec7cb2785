"""A checkout's tests load the packaged pytest plugin (rnn_shapes/pytest_plugin.py).

Installed, the package registers it through its `pytest11` entry point under
this same name, and pytest then skips this line; tox runs the checkout
uninstalled, where this line is what loads it.
"""

pytest_plugins = ["rnn_shapes.pytest_plugin"]
