"""Environment shared by the test run and by tests/refresh_notebooks.py, so stored and fresh outputs match.

Loaded as a pytest plugin (`-p nbenv` in pyproject.toml), so it applies however pytest is started,
e.g. `pytest notebooks/02_char_rnn.ipynb`; kernels that nbval starts inherit the environment.
"""
import os

NB_ENV = {
    "TQDM_DISABLE": "1",  # progress bars off: their output would differ from run to run
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OMP_NUM_THREADS": "1",  # one thread per kernel: the test run executes several notebooks at once (pytest-xdist)
    "MKL_NUM_THREADS": "1",
}


def apply():
    """Set NB_ENV in this process, so that kernels started from it inherit it."""
    os.environ.update(NB_ENV)


def pytest_configure(config):
    apply()


# The order in which the workers (pytest-xdist, `--dist loadscope --no-loadscope-reorder`) take the
# slow parts: longest first, so that no worker is left with a long module at the end. A worker takes a new
# module only when its current one has at most two tests left, so the slides test (first) holds one worker
# while the others start on the rest. Seconds: idle measurements of each part alone.
SLOW_FIRST = ["tests/test_slides.py",  # ~70 s of slides plus Run All of the six notebooks (~135 s idle)
              "tests/test_browser.py",  # ~150 s
              "tests/test_homework_grading.py",  # ~90 s
              "tests/test_browser_release.py",  # ~60 s
              "notebooks/05_lstm_gru.ipynb", "notebooks/04_vanishing_exploding.ipynb", "notebooks/02_char_rnn.ipynb",
              "notebooks/06_captioning.ipynb", "notebooks/03_bptt.ipynb", "notebooks/01_forward_pass.ipynb"]


def pytest_collection_modifyitems(session, config, items):
    """Put the slow modules first (in SLOW_FIRST's order); every module keeps its own tests' order."""
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    position = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(item.nodeid.split("::")[0], len(rank)), position[id(item)]))
