"""Environment shared by the test run and by tests/refresh_notebooks.py, so stored and fresh outputs match.

Loaded as a pytest plugin (`-p nbenv` in pyproject.toml), so it applies however pytest is started,
e.g. `pytest notebooks/02_char_rnn.ipynb`; kernels that nbval starts inherit the environment.
"""
import os

NB_ENV = {
    "TQDM_DISABLE": "1",  # progress bars off: their output would differ from run to run
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OMP_NUM_THREADS": "1",  # one thread per kernel: the test run executes two notebooks at once (pytest-xdist)
    "MKL_NUM_THREADS": "1",
}


def apply():
    """Set NB_ENV in this process, so that kernels started from it inherit it."""
    os.environ.update(NB_ENV)


def pytest_configure(config):
    apply()
