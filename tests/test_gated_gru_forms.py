import numpy as np
import pytest

from rnnlib import rel_error
from rnnlib.gru import gru_forward
from rnnlib.gated.gru_forms import flip_update_gate, gru_forward_variant


def problem(seed=0, N=3, T=6, D=4, H=5):
    rng = np.random.default_rng(seed)
    p = {"W_xh": rng.normal(scale=0.6, size=(3 * H, D)), "W_hh": rng.normal(scale=0.6, size=(3 * H, H)),
         "b_xh": rng.normal(scale=0.6, size=3 * H), "b_hh": rng.normal(scale=0.6, size=3 * H)}
    return rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), p


def test_cho_reset_after_is_rnnlib_gru():
    x, h0, p = problem()
    np.testing.assert_allclose(gru_forward_variant(x, h0, **p), gru_forward(x, h0, **p)[0], rtol=0, atol=1e-14)


@pytest.mark.parametrize("reset", ["after", "before"])
def test_olah_is_cho_with_z_flipped(reset):
    x, h0, p = problem(1)
    cho = gru_forward_variant(x, h0, **p, update="cho", reset=reset)
    olah_same = gru_forward_variant(x, h0, **p, update="olah", reset=reset)
    olah_flipped = gru_forward_variant(x, h0, *flip_update_gate(**p), update="olah", reset=reset)
    assert rel_error(cho, olah_flipped) <= 1e-14
    assert rel_error(cho, olah_same) > 0.05  # the same weights read with the other label: a different model


def test_flip_copies_and_only_touches_z():
    _, _, p = problem(2, H=2)
    copies = {k: v.copy() for k, v in p.items()}
    W_xh, W_hh, b_xh, b_hh = flip_update_gate(**p)
    for k in p:
        np.testing.assert_array_equal(p[k], copies[k])
    np.testing.assert_array_equal(W_hh[2:4], -p["W_hh"][2:4])
    np.testing.assert_array_equal(np.r_[b_xh[:2], b_xh[4:]], np.r_[p["b_xh"][:2], p["b_xh"][4:]])


def test_reset_before_and_after_differ_and_agree_only_when_they_must():
    x, h0, p = problem(3)
    after, before = (gru_forward_variant(x, h0, **p, reset=r) for r in ("after", "before"))
    assert rel_error(after, before) > 0.01
    # r * (h W.T + b) = (r * h) W.T + b exactly when W_hn is diagonal and b_hn = 0.
    H = h0.shape[1]
    W_hh = p["W_hh"].copy()
    W_hh[2 * H :] = np.diag(np.diag(W_hh[2 * H :]))
    b_hh = p["b_hh"].copy()
    b_hh[2 * H :] = 0.0
    q = {**p, "W_hh": W_hh, "b_hh": b_hh}
    assert rel_error(*(gru_forward_variant(x, h0, **q, reset=r) for r in ("after", "before"))) <= 1e-15
    q_bias = {**q, "b_hh": p["b_hh"]}  # diagonal W_hn but a nonzero b_hn: different again
    assert rel_error(*(gru_forward_variant(x, h0, **q_bias, reset=r) for r in ("after", "before"))) > 1e-3


def test_rejects_unknown_convention_and_bad_shapes():
    x, h0, p = problem()
    with pytest.raises(ValueError, match="update must be one of"):
        gru_forward_variant(x, h0, **p, update="keras")
    with pytest.raises(ValueError, match="reset must be one of"):
        gru_forward_variant(x, h0, **p, reset="never")
    with pytest.raises(ValueError, match=r"b_hh must have shape \(3H,\) = \(15,\)"):
        gru_forward_variant(x, h0, **{**p, "b_hh": np.zeros(12)})
    with pytest.raises(ValueError, match=r"W_xh must have shape \(3H, D\)"):
        flip_update_gate(np.zeros((14, 2)), p["W_hh"], p["b_xh"], p["b_hh"])
