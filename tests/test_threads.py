"""rnnlib.threads.torch_threads: a block runs with n torch threads, and the caller's setting comes back."""
import pytest
import torch

from rnnlib.seed import torch_seed
from rnnlib.threads import torch_threads


def test_torch_threads_sets_and_restores_even_after_an_error():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with torch_threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_torch_threads_rejects_a_bad_count():
    with pytest.raises(ValueError, match="threads must be a positive integer; got 0"):
        with torch_threads(0):
            pass


def test_torch_seed_follows_the_rng_rule():
    import numpy as np

    assert torch_seed(5) == 5  # an int seed is used as it is: rng=0 reproduces the old seed=0 runs
    assert torch_seed(np.random.default_rng(1)) == torch_seed(np.random.default_rng(1))
    assert 0 <= torch_seed(None) < 2**31
    with pytest.raises(ValueError, match="rng must be a np.random.Generator"):
        torch_seed(-1)
