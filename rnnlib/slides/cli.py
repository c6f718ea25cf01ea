"""Command line of rnnlib.slides: hand out lectures as HTML decks that open offline, without JupyterLab.

    python -m rnnlib.slides handout notebooks/01_forward_pass.ipynb [more.ipynb ...] --out DIR

writes DIR/<notebook>.html per notebook (the slides of its slideshow metadata, pictures embedded), DIR/index.html
and DIR/mathjax/ (the maths, typeset offline). Open a deck from the file system in a browser: → or Space next,
← back, n speaker notes, ? the keys. Widgets show their stored text; they are live only in JupyterLab.
Bad input ends with one line naming the argument and exit code 2, before anything is written.
"""
from __future__ import annotations

from pathlib import Path

from ..cli import one_line_parser, run_command
from .handout import write_handout

__all__ = ["build_parser", "main"]

PROG = "python -m rnnlib.slides"


def build_parser():
    parser, parser_class = one_line_parser(PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=parser_class)
    hand = commands.add_parser("handout", help="write one offline HTML deck per notebook, figures and maths included")
    hand.add_argument("notebook", nargs="+", help="the notebooks (.ipynb) to hand out")
    hand.add_argument("--out", required=True, help="folder for the decks (created if missing; decks there are replaced)")
    hand.add_argument("--no-mathjax", dest="mathjax", action="store_false",
                      help="leave out the mathjax/ folder (the decks then show maths as TeX)")
    return parser


def _run(args):
    written = write_handout(args.notebook, args.out, mathjax=args.mathjax)
    for path, slides in written:
        print(f"{path}: {slides} slides, {path.stat().st_size / 1e6:.1f} MB")
    index = Path(args.out) / "index.html"
    print(f"{index}: the list of decks" + (f"; maths from {Path(args.out) / 'mathjax'}" if args.mathjax else ""))


def main(argv=None):
    return run_command(PROG, build_parser(), _run, argv)
