"""python -m rnnlib.charlstm --text PATH ...: train a char-LSTM from the command line (see rnnlib.charlstm.cli)."""
import sys

from .cli import main

sys.exit(main())
