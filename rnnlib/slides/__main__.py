"""python -m rnnlib.slides handout NOTEBOOK ... --out DIR: offline HTML decks of the lectures (see rnnlib.slides.cli)."""
import sys

from .cli import main

sys.exit(main())
