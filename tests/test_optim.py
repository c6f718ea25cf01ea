"""rnnlib.optim: parity with torch.optim in float64, Adam's bias correction reasoned, validation."""
import numpy as np
import pytest
import torch

from rnnlib.gradcheck import rel_error
from rnnlib.optim import SGD, Adagrad, Adam

SHAPES = {"W_xh": (5, 4), "W_hh": (5, 5), "b_h": (5,)}


def start(seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grads = [{k: rng.normal(size=s) for k, s in SHAPES.items()} for _ in range(8)]
    return params, grads


def run_both(ours, theirs, steps=8, seed=0):
    """Apply the same gradient sequence to our optimizer and to torch's; return both final parameters."""
    params, grads = start(seed)
    tparams = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    opt, topt = ours(params), theirs(list(tparams.values()))
    for g in grads[:steps]:
        opt.step(g)
        for k, t in tparams.items():
            t.grad = torch.tensor(g[k])
        topt.step()
    return params, {k: t.detach().numpy() for k, t in tparams.items()}, opt


@pytest.mark.parametrize("lr,betas,eps", [(1e-2, (0.9, 0.999), 1e-8), (0.3, (0.5, 0.9), 1e-3), (1e-3, (0.0, 0.99), 0.0)])
def test_adam_matches_torch(lr, betas, eps):
    ours, theirs, opt = run_both(lambda p: Adam(p, lr=lr, betas=betas, eps=eps),
                                 lambda p: torch.optim.Adam(p, lr=lr, betas=betas, eps=eps))
    for k in SHAPES:
        assert rel_error(ours[k], theirs[k]) <= 1e-12, k
    assert opt.t == 8


@pytest.mark.parametrize("lr,eps", [(0.1, 1e-10), (0.5, 1e-3)])
def test_adagrad_matches_torch(lr, eps):
    # torch divides by sqrt(G) + eps; that is our default (eps_inside=False).
    ours, theirs, _ = run_both(lambda p: Adagrad(p, lr=lr, eps=eps), lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps))
    for k in SHAPES:
        assert rel_error(ours[k], theirs[k]) <= 1e-12, k


def test_adagrad_eps_placement():
    # One step from G = 0 with g = 3 (G = 9): outside, lr*3/(3 + eps); inside (min-char-rnn), lr*3/sqrt(9 + eps).
    eps, lr = 0.16, 0.5
    a, b = {"w": np.array([0.0])}, {"w": np.array([0.0])}
    Adagrad(a, lr=lr, eps=eps).step({"w": np.array([3.0])})
    Adagrad(b, lr=lr, eps=eps, eps_inside=True).step({"w": np.array([3.0])})
    assert a["w"][0] == pytest.approx(-lr * 3 / 3.16, rel=1e-15)
    assert b["w"][0] == pytest.approx(-lr * 3 / 3.0265491900843112, rel=1e-15)  # sqrt(9.16)
    assert np.sqrt(9.16) == pytest.approx(3.0265491900843112, rel=1e-15)


def test_adagrad_shrinks_steps_for_a_constant_gradient():
    # Constant g: G_t = t g^2, so step t moves by lr * g / (sqrt(t) |g|) = lr sign(g) / sqrt(t) (eps = 0).
    p = {"w": np.array([0.0, 0.0])}
    opt = Adagrad(p, lr=0.1, eps=0.0)
    g = {"w": np.array([2.0, -0.001])}
    for _ in range(4):
        opt.step(g)
    expected = -0.1 * np.sign(g["w"]) * sum(1 / np.sqrt(t) for t in range(1, 5))
    np.testing.assert_allclose(p["w"], expected, rtol=1e-14)
    np.testing.assert_allclose(opt.state["w"]["sum"], 4 * g["w"] ** 2, rtol=1e-15)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(momentum):
    ours, theirs, opt = run_both(lambda p: SGD(p, lr=0.05, momentum=momentum),
                                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=momentum))
    for k in SHAPES:
        assert rel_error(ours[k], theirs[k]) <= 1e-12, k
    assert ("buf" in opt.state["W_hh"]) == (momentum > 0)


def test_sgd_momentum_closed_form():
    # Constant g: buf_t = g (1 + mu + ... + mu^(t-1)), so after 3 steps p = -lr g (1 + (1 + mu) + (1 + mu + mu^2)).
    p = {"w": np.array([0.0])}
    opt = SGD(p, lr=0.1, momentum=0.5)
    for _ in range(3):
        opt.step({"w": np.array([2.0])})
    assert p["w"][0] == pytest.approx(-0.1 * 2.0 * (1 + 1.5 + 1.75), rel=1e-15)
    assert opt.state["w"]["buf"][0] == pytest.approx(2.0 * 1.75, rel=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # t = 1: m = (1-b1) g and v = (1-b2) g^2, so m_hat = g and v_hat = g^2: the step is lr g / (|g| + eps),
    # i.e. lr sign(g) up to a relative eps/|g|, whatever the gradient's scale. Without the correction it
    # would be lr (1-b1)/sqrt(1-b2) sign(g) = 3.16 lr sign(g) for the default betas.
    g = np.array([3.0, -1e-3, 250.0, -7.5, 0.0])
    p = {"w": np.zeros(5)}
    Adam(p, lr=0.01).step({"w": g})
    np.testing.assert_allclose(p["w"], -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-14, atol=0)
    np.testing.assert_allclose(p["w"][:4], -0.01 * np.sign(g[:4]), rtol=1e-5)  # eps/|g| <= 1e-5
    assert p["w"][4] == 0.0  # a zero gradient moves nothing


def test_adam_constant_gradient_moves_lr_per_step_and_state_is_uncorrected():
    # Constant g: m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2 exactly, so the correction gives
    # m_hat = g, v_hat = g^2 at every step: each step moves lr against sign(g) (eps = 0).
    p = {"w": np.array([1.0, 1.0])}
    g = {"w": np.array([0.5, -4.0])}
    opt = Adam(p, lr=0.02, eps=0.0)
    for _ in range(10):
        opt.step(g)
    np.testing.assert_allclose(p["w"], 1.0 - 10 * 0.02 * np.sign(g["w"]), rtol=1e-13)
    np.testing.assert_allclose(opt.state["w"]["m"], (1 - 0.9 ** 10) * g["w"], rtol=1e-13)
    np.testing.assert_allclose(opt.state["w"]["v"], (1 - 0.999 ** 10) * g["w"] ** 2, rtol=1e-12)


def test_adam_moments_weigh_the_new_gradient_by_one_minus_beta_as_written():
    # betas (0.9, 0.999): m = 0.1 g and v = 0.001 g^2 after one step, with the floats 0.1 and 0.001
    # (not 1 - 0.9 = 0.09999999999999998), so a hand-written loop and Adam agree to the last bit.
    g = np.random.default_rng(4).normal(size=6)
    p = {"w": np.zeros(6)}
    opt = Adam(p, lr=0.01)
    opt.step({"w": g})
    np.testing.assert_array_equal(opt.state["w"]["m"], 0.1 * g)
    np.testing.assert_array_equal(opt.state["w"]["v"], 0.001 * g ** 2)


def test_adam_is_invariant_to_gradient_scale():
    # With eps = 0, multiplying every gradient by c > 0 multiplies m by c and v by c^2: the step is unchanged.
    a, grads = start(1)
    b = {k: v.copy() for k, v in a.items()}
    oa, ob = Adam(a, lr=0.1, eps=0.0), Adam(b, lr=0.1, eps=0.0)
    for g in grads:
        oa.step(g)
        ob.step({k: 1000.0 * v for k, v in g.items()})
    for k in SHAPES:
        assert rel_error(a[k], b[k]) <= 1e-13


def test_step_updates_in_place_and_leaves_grads_alone():
    params, grads = start(2)
    w = params["W_hh"]
    g = {k: v.copy() for k, v in grads[0].items()}
    Adam(params, lr=0.1).step(g)
    assert params["W_hh"] is w
    for k in SHAPES:
        np.testing.assert_array_equal(g[k], grads[0][k])


@pytest.mark.parametrize("make,match", [
    (lambda p: Adam(p, lr=0.0), "lr"),
    (lambda p: Adam(p, lr=float("nan")), "lr"),
    (lambda p: SGD(p, lr="0.1"), "lr"),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), "momentum"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.1), "momentum"),
    (lambda p: Adam(p, betas=(0.9,)), "betas"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\]"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    (lambda p: Adam(p, eps=-1e-8), "eps"),
    (lambda p: Adagrad(p, eps=-1.0), "eps"),
    (lambda p: Adagrad(p, eps_inside="yes"), "eps_inside"),
    (lambda p: Adam({}, lr=0.1), "params"),
    (lambda p: Adam({"w": [1.0, 2.0]}), r"params\['w'\]"),
    (lambda p: Adam({"w": np.array([1, 2])}), r"params\['w'\]"),
])
def test_constructor_validation(make, match):
    params, _ = start()
    with pytest.raises(ValueError, match=match):
        make(params)


@pytest.mark.parametrize("bad,match", [
    (lambda g: {k: v for k, v in g.items() if k != "b_h"}, "grads"),
    (lambda g: {**g, "extra": np.zeros(2)}, "grads"),
    (lambda g: {**g, "W_hh": np.zeros((5, 4))}, r"grads\['W_hh'\]"),
    (lambda g: {**g, "b_h": np.zeros(5, dtype=int)}, r"grads\['b_h'\]"),
    (lambda g: [g["W_xh"]], "grads"),
])
def test_step_validation_changes_nothing(bad, match):
    params, grads = start()
    before = {k: v.copy() for k, v in params.items()}
    opt = Adam(params, lr=0.1)
    with pytest.raises(ValueError, match=match):
        opt.step(bad(grads[0]))
    assert opt.t == 0
    for k in SHAPES:
        np.testing.assert_array_equal(params[k], before[k])


def test_adagrad_update_is_the_class_with_eps_inside_bit_for_bit():
    from rnnlib.optim import adagrad_update

    rng = np.random.default_rng(0)
    a = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    b = {k: v.copy() for k, v in a.items()}
    memory = {k: np.zeros_like(v) for k, v in a.items()}
    opt = Adagrad(b, lr=0.1, eps=1e-8, eps_inside=True)
    for _ in range(5):
        grads = {k: rng.normal(size=v.shape) for k, v in a.items()}
        adagrad_update(a, grads, memory, lr=0.1, eps=1e-8)
        opt.step(grads)
    for k in a:
        assert np.array_equal(a[k], b[k]) and np.array_equal(memory[k], opt.state[k]["sum"])
