"""python -m rnnlib.charlm --text PATH ...: train a character model from the command line (see rnnlib.charlm.cli)."""
import sys

from .cli import main
from .training import keep_freed_memory

keep_freed_memory()  # a process-wide allocator setting: entry points only (see its docstring)
sys.exit(main())
