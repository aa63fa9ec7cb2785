import sys

try:
    from rnn_shapes.phases import reached

    reached("importing")
    from rnn_shapes.cli import main
except KeyboardInterrupt:  # Ctrl-C while the package imports: no traceback either
    print("rnn-shapes: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
