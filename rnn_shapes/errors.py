"""The one kind of error a user can cause: bad input, a bad path, an impossible request.

Its message is one line naming the file, folder or case. The command line
prints it and exits 2; the pytest plugin turns it into a usage error. Anything
else escaping is a bug in rnn-shapes.
"""

from __future__ import annotations


class RnnShapesError(Exception):
    """A problem with what the user asked for or pointed at; the message names it."""
