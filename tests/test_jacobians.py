import numpy as np
import pytest
import torch

from rnnlib.jacobians import (
    draw_gradient_decay,
    fit_log_slope,
    gradient_norm_curve,
    jacobian_norms,
    matrix_with_singular_values,
    non_normal_matrix,
    random_orthogonal,
    recurrent_forward,
    step_jacobians,
)
from rnnlib.torch_bridge import torch_rnn


def setup(N, T, D, H, seed=0, scale=0.6):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(scale=0.5, size=(N, H))
    W_xh = rng.normal(scale=0.5, size=(H, D))
    W_hh = rng.normal(scale=scale / np.sqrt(H), size=(H, H))
    b_h = rng.normal(scale=0.1, size=H)
    return x, h0, W_xh, W_hh, b_h


@pytest.mark.parametrize("H", [1, 3, 16])
def test_random_orthogonal_is_orthogonal(H):
    Q = random_orthogonal(H, np.random.default_rng(H))
    np.testing.assert_allclose(Q.T @ Q, np.eye(H), atol=1e-12)


@pytest.mark.parametrize("H", [2, 5, 12])
def test_matrix_with_singular_values_has_them(H):
    s = np.linspace(2.0, 0.1, H)
    W = matrix_with_singular_values(s, np.random.default_rng(1))
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), s, rtol=1e-12)


@pytest.mark.parametrize("H, sigma_max, rho", [(2, 2.0, 0.9), (8, 1.5, 0.5), (10, 1.2, -0.7)])
def test_non_normal_matrix_eigenvalues_inside_but_sigma_max_outside(H, sigma_max, rho):
    W = non_normal_matrix(H, sigma_max, rho, np.random.default_rng(2))
    # Jordan-like blocks: eigenvalues of a defective matrix are only computed to ~sqrt(machine eps)
    np.testing.assert_allclose(np.linalg.eigvals(W).real, rho, atol=1e-6)
    np.testing.assert_allclose(np.linalg.eigvals(W).imag, 0.0, atol=1e-6)
    assert np.linalg.svd(W, compute_uv=False)[0] == pytest.approx(sigma_max, rel=1e-12)
    assert not np.allclose(W @ W.T, W.T @ W)  # non-normal


def test_non_normal_powers_grow_before_they_decay():
    W = non_normal_matrix(8, 2.0, 0.9, np.random.default_rng(3))
    norms = [np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(60)]
    # block [[r, a], [0, r]]**k = [[r^k, k a r^(k-1)], [0, r^k]]: the peak is near k = 1 / log(1/r) ~ 9.5
    assert max(norms) > 5.0
    assert 8 <= int(np.argmax(norms)) <= 11
    assert norms[-1] < 1.0


@pytest.mark.parametrize("N, T, D, H", [(1, 4, 3, 5), (3, 6, 2, 4)])
def test_tanh_forward_matches_torch(N, T, D, H):
    x, h0, W_xh, W_hh, b_h = setup(N, T, D, H)
    h = recurrent_forward(x, h0, W_xh, W_hh, b_h, "tanh")
    out, _ = torch_rnn(W_xh, W_hh, b_h)(torch.from_numpy(x), torch.from_numpy(h0)[None])
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_linear_forward_is_the_recurrence():
    x, h0, W_xh, W_hh, b_h = setup(2, 3, 2, 3)
    h = recurrent_forward(x, h0, W_xh, W_hh, b_h, "linear")
    h1 = x[:, 0] @ W_xh.T + h0 @ W_hh.T + b_h
    h2 = x[:, 1] @ W_xh.T + h1 @ W_hh.T + b_h
    np.testing.assert_allclose(h[:, 1], h2, rtol=1e-12)


@pytest.mark.parametrize("D, H", [(2, 3), (4, 6)])
def test_step_jacobian_matches_torch_autograd(D, H):
    x, h0, W_xh, W_hh, b_h = setup(1, 2, D, H, scale=1.5)
    h = recurrent_forward(x, h0, W_xh, W_hh, b_h, "tanh")  # (1, 2, H)
    J = step_jacobians(h, W_hh, "tanh")[0, 1]  # dh_2/dh_1, (H, H)
    t = {k: torch.from_numpy(v) for k, v in dict(x=x[0, 1], W_xh=W_xh, W_hh=W_hh, b_h=b_h).items()}

    def step(h_prev):
        return torch.tanh(t["x"] @ t["W_xh"].T + h_prev @ t["W_hh"].T + t["b_h"])

    J_torch = torch.autograd.functional.jacobian(step, torch.from_numpy(h[0, 0])).numpy()
    np.testing.assert_allclose(J, J_torch, rtol=1e-12, atol=1e-14)
    assert J.shape == (H, H)


@pytest.mark.parametrize("nonlinearity", ["tanh", "linear"])
def test_jacobian_norms_match_torch_for_every_distance(nonlinearity):
    T, D, H = 5, 2, 4
    x, h0, W_xh, W_hh, b_h = setup(1, T, D, H, scale=1.3)
    h = recurrent_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
    norms = jacobian_norms(h, W_hh, nonlinearity)[0]  # (T + 1,)
    f = torch.tanh if nonlinearity == "tanh" else (lambda a: a)
    tx, tW_xh, tW_hh, tb = (torch.from_numpy(a) for a in (x[0], W_xh, W_hh, b_h))
    states = np.concatenate([h0, h[0]])  # (T + 1, H): h_0 .. h_T
    for k in range(T + 1):
        def run_from(h_start, k=k):
            hh = h_start
            for t in range(T - k, T):  # x[t] is the input of h_{t+1}
                hh = f(tx[t] @ tW_xh.T + hh @ tW_hh.T + tb)
            return hh

        J = torch.autograd.functional.jacobian(run_from, torch.from_numpy(states[T - k])).numpy()
        assert norms[k] == pytest.approx(np.linalg.norm(J, 2), rel=1e-10), k


@pytest.mark.parametrize("sigma", [0.5, 1.1])
def test_linear_scaled_orthogonal_attains_the_bound_exactly(sigma):
    norms = gradient_norm_curve(sigma, "linear", "normal", H=8, T=10, N=2)
    np.testing.assert_allclose(norms, np.broadcast_to(sigma ** np.arange(11), norms.shape), rtol=1e-9)
    assert fit_log_slope(norms) == pytest.approx(np.log(sigma), rel=1e-9)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5])
def test_tanh_stays_below_the_bound(sigma):
    norms = gradient_norm_curve(sigma, "tanh", "normal", H=8, T=15, N=2)
    assert np.all(norms <= sigma ** np.arange(16) * (1 + 1e-9))
    assert fit_log_slope(norms) < np.log(sigma)


def test_fit_log_slope_recovers_a_known_rate_and_skips_the_start():
    k = np.arange(20)
    norms = np.where(k < 5, 10.0, 3.0 * 0.7 ** k)
    assert fit_log_slope(norms, start=5) == pytest.approx(np.log(0.7), rel=1e-12)
    assert fit_log_slope(norms) != pytest.approx(np.log(0.7), rel=1e-3)


def test_draw_gradient_decay_returns_the_curve_and_titles_the_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    norms = draw_gradient_decay(ax, 0.9, "linear", "normal", H=6, T=8, N=1)
    assert norms.shape == (1, 9)
    assert "slope -0.105" in ax.get_title()
    plt.close(fig)


def test_widget_redraws_when_a_control_changes(monkeypatch):
    from rnnlib import jacobians
    from rnnlib.widgets import gradient_decay_widget

    calls = []
    real = jacobians.draw_gradient_decay

    def recording(ax, sigma_max, nonlinearity, structure, **kwargs):
        calls.append((sigma_max, nonlinearity, structure))
        return real(ax, sigma_max, nonlinearity, structure, H=4, T=5, N=1)

    monkeypatch.setattr(jacobians, "draw_gradient_decay", recording)
    box = gradient_decay_widget(sigma_max=1.0)
    (slider, nonlin, struct), image = box.children[0].children, box.children[1]
    before = image.value
    slider.value = 1.5
    assert calls[-1] == (1.5, "tanh", "normal") and image.value != before
    struct.value = "non-normal"
    nonlin.value = "linear"
    assert calls[-1] == (1.5, "linear", "non-normal") and len(calls) == 4


def test_check_shrink_steps_accepts_the_first_k_below_tol_and_explains_mistakes(capsys):
    from rnnlib.checkers import check_shrink_steps

    # sigma**k < tol  <=>  k > log(tol) / log(sigma) (log(sigma) < 0): the first such integer
    assert check_shrink_steps(lambda s, tol: int(np.floor(np.log(tol) / np.log(s))) + 1) == 0.0
    out = capsys.readouterr().out
    assert out.startswith("steps_to_shrink: correct on all 4 cases (σ_max=0.5, tol=1e-06)")
    with pytest.raises(AssertionError, match="you said 19, the measured distance is 20.*off by one"):
        check_shrink_steps(lambda s, tol: int(np.floor(np.log(tol) / np.log(s))))  # 0.5**19 > 1e-6
    with pytest.raises(AssertionError, match="whole number of steps"):
        check_shrink_steps(lambda s, tol: np.log(tol) / np.log(s))
    with pytest.raises(AssertionError, match="must return one number"):
        check_shrink_steps(lambda s, tol: [1])
    with pytest.raises(AssertionError, match="wrong for 4 of 4 cases.*sigma_max\\*\\*k"):
        check_shrink_steps(lambda s, tol: 3)


def test_checkers_say_not_implemented_yet_for_the_released_placeholder():
    from rnnlib.checkers import check_shrink_steps

    def placeholder(sigma_max, tol):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="steps_to_shrink: not implemented yet"):
        check_shrink_steps(placeholder)


def test_bad_inputs_name_the_argument():
    rng = np.random.default_rng(0)
    h = np.zeros((1, 3, 4))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        step_jacobians(h, np.eye(4), "relu")
    with pytest.raises(ValueError, match=r"W_hh must have shape \(H, H\) = \(4, 4\); got \(3, 3\)"):
        jacobian_norms(h, np.eye(3))
    with pytest.raises(ValueError, match="structure must be one of"):
        gradient_norm_curve(1.0, "tanh", "diagonal")
    with pytest.raises(ValueError, match="H must be even"):
        non_normal_matrix(3, 2.0, 0.5, rng)
    with pytest.raises(ValueError, match="rho must satisfy"):
        non_normal_matrix(4, 1.0, 1.5, rng)
    with pytest.raises(ValueError, match="s must hold non-negative"):
        matrix_with_singular_values(np.array([1.0, -1.0]), rng)
    with pytest.raises(ValueError, match="rng must be a np.random.Generator, a seed"):
        random_orthogonal(3, "0")
    np.testing.assert_array_equal(random_orthogonal(3, 5), random_orthogonal(3, np.random.default_rng(5)))
    s = np.array([2.0, 1.0, 0.5])  # an int seed gives one generator for both U and V, as a Generator does
    np.testing.assert_array_equal(matrix_with_singular_values(s, 5), matrix_with_singular_values(s, np.random.default_rng(5)))
    with pytest.raises(ValueError, match="norms must be positive"):
        fit_log_slope(np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        recurrent_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((4, 3)), np.eye(4), np.zeros(4), "linear")


def test_curve_and_slope_arguments_are_named_in_errors():
    from rnnlib.jacobians import fit_log_slope, gradient_norm_curve

    with pytest.raises(ValueError, match="sigma_max must be a positive finite number; got -1"):
        gradient_norm_curve(-1)
    with pytest.raises(ValueError, match="start must be a non-negative integer distance; got -2"):
        fit_log_slope(np.ones(5), start=-2)
