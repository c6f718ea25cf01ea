"""python -m rnnlib.captioning train|evaluate|sweep ...: the captioners' command line (see rnnlib.captioning.cli)."""
import sys

from .cli import main

sys.exit(main())
