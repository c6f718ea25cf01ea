import numpy as np
import pytest

from rnnlib.gated.readout import symbol_share


def test_symbol_share_is_one_for_a_function_of_the_label_and_near_zero_for_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 4000)
    values = np.stack([np.array([3.0, -1.0, 0.5, 2.0])[labels],    # a function of the label alone
                       rng.normal(size=4000),                     # noise
                       np.zeros(4000)], axis=1)                   # constant
    share = symbol_share(values, labels)
    assert share[0] == pytest.approx(1.0) and share[1] < 0.01 and share[2] == 0.0


def test_symbol_share_half_and_half():
    labels = np.repeat([0, 1], 1000)
    noise = np.tile([-1.0, 1.0], 1000)  # within-label variance 1, between-label variance 1
    assert symbol_share((labels * 2.0 - 1.0 + noise)[:, None], labels)[0] == pytest.approx(0.5)


def test_symbol_share_checks_its_inputs():
    with pytest.raises(ValueError, match="labels must have shape"):
        symbol_share(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="values"):
        symbol_share(np.zeros(3), [0, 1, 2])
