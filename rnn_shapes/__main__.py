import sys

from rnn_shapes.cli import main

sys.exit(main())
