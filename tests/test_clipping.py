import numpy as np
import pytest
import torch

from rnnlib.checkers import check_clip_by_norm
from rnnlib.clipping import (
    clip_by_global_norm,
    clip_elementwise,
    clip_squared_norm_erratum,
    cliff_loss_and_grad,
    cosine_similarity,
    global_norm,
    gradient_descent_path,
    one_unit_rnn_backward,
    one_unit_rnn_forward,
)
from rnnlib.gradcheck import numerical_gradient

SHAPES = [[(3, 2), (3, 3), (3,)], [(5,)], [(4, 6), (2, 2, 2)]]


def make_grads(shapes, scale, seed=0):
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize("shapes", SHAPES)
def test_global_norm_is_the_norm_of_everything_stacked(shapes):
    grads = make_grads(shapes, 2.0)
    stacked = np.concatenate([g.ravel() for g in grads])
    assert global_norm(grads) == pytest.approx(np.linalg.norm(stacked), rel=1e-12)


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("scale, max_norm", [(3.0, 1.0), (0.01, 1.0), (1.0, 0.5)])
def test_clip_by_global_norm_matches_torch(shapes, scale, max_norm):
    grads = make_grads(shapes, scale)
    originals = [g.copy() for g in grads]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, norm = clip_by_global_norm(grads, max_norm)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12)
    for c, p in zip(clipped, params):
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-12)
    for g, o in zip(grads, originals):
        np.testing.assert_array_equal(g, o)  # never modified
    assert global_norm(clipped) <= max_norm * (1 + 1e-9) or norm <= max_norm


def test_norm_clipping_keeps_the_direction_elementwise_does_not():
    grads = [np.array([[40.0, 1.0], [-3.0, 0.5]]), np.array([2.0, -20.0])]
    by_norm, _ = clip_by_global_norm(grads, 5.0)
    by_entry = clip_elementwise(grads, 5.0)
    assert cosine_similarity(grads, by_norm) == pytest.approx(1.0, abs=1e-12)
    # by hand: g.c = 200 + 1 + 9 + 0.25 + 4 + 100 = 314.25, |g|^2 = 2014.25, |c|^2 = 64.25
    assert cosine_similarity(grads, by_entry) == pytest.approx(314.25 / np.sqrt(2014.25 * 64.25), rel=1e-12)
    assert cosine_similarity(grads, by_entry) < 0.9
    np.testing.assert_array_equal(by_entry[0], [[5.0, 1.0], [-3.0, 0.5]])


@pytest.mark.parametrize("norm, threshold, expected", [(10.0, 5.0, 0.5), (3.0, 5.0, 5.0 / 3.0), (2.0, 5.0, 2.0)])
def test_squared_norm_erratum_clips_at_the_wrong_place(norm, threshold, expected):
    rng = np.random.default_rng(1)
    g = rng.normal(size=(4, 3))
    g *= norm / np.linalg.norm(g)
    out = clip_squared_norm_erratum(g, threshold)
    # ||g||^2 > threshold fires at ||g|| > sqrt(5) ~ 2.24 and leaves threshold / ||g||
    assert np.linalg.norm(out) == pytest.approx(expected, rel=1e-12)
    assert np.linalg.norm(g) == pytest.approx(norm)


def test_one_unit_rnn_gradient_matches_numerical_and_torch():
    theta = np.array([1.7, 0.2])
    kwargs = dict(T=12, h0=0.3, target=-0.4)
    loss, grad = cliff_loss_and_grad(theta, **kwargs)
    num = numerical_gradient(lambda th: cliff_loss_and_grad(th, **kwargs)[0], theta)
    np.testing.assert_allclose(grad, num, rtol=1e-6)
    w = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(0.3, dtype=torch.float64)
    for _ in range(12):
        h = torch.tanh(w * h + b)
    tl = (h + 0.4) ** 2
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-12)
    np.testing.assert_allclose(grad, [w.grad.item(), b.grad.item()], rtol=1e-10)


def test_one_unit_rnn_runs_a_grid_at_once():
    w, b = np.meshgrid(np.linspace(0, 3, 4), np.linspace(-1, 1, 3))
    loss, cache = one_unit_rnn_forward(w, b, T=5)
    dw, db = one_unit_rnn_backward(cache)
    assert loss.shape == dw.shape == db.shape == (3, 4)
    single, g = cliff_loss_and_grad(np.array([w[2, 1], b[2, 1]]), T=5)
    assert loss[2, 1] == pytest.approx(single) and dw[2, 1] == pytest.approx(g[0])


def test_clipped_steps_are_never_longer_than_lr_times_max_norm():
    kwargs = dict(T=20, h0=0.5, target=-0.5)
    free = gradient_descent_path([2.0, 0.3], 0.2, 40, None, **kwargs)
    clipped = gradient_descent_path([2.0, 0.3], 0.2, 40, 1.0, **kwargs)
    assert free.theta.shape == (41, 2) and free.loss.shape == (41,) and free.grad_norm.shape == (40,)
    assert np.linalg.norm(np.diff(clipped.theta, axis=0), axis=1).max() <= 0.2 * 1.0 + 1e-12
    assert np.linalg.norm(np.diff(free.theta, axis=0), axis=1).max() > 10.0  # thrown off the cliff
    assert clipped.loss[-1] < free.loss[-1]


def test_check_clip_by_norm_passes_a_correct_solution_and_names_mistakes():
    def correct(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * min(1.0, max_norm / norm) for g in grads]

    def squared(grads, max_norm):
        sq = sum(np.sum(g * g) for g in grads)
        return [g * (max_norm / sq if sq > max_norm else 1.0) for g in grads]

    def per_array(grads, max_norm):
        return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]

    def in_place(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / norm)
        return grads

    def always(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * max_norm / norm for g in grads]

    def elementwise(grads, max_norm):
        return [np.clip(g, -max_norm, max_norm) for g in grads]

    assert check_clip_by_norm(correct) < 1e-7
    with pytest.raises(AssertionError, match="SQUARED"):
        check_clip_by_norm(squared)
    with pytest.raises(AssertionError, match="below max_norm"):
        check_clip_by_norm(always)
    with pytest.raises(AssertionError, match="np.clip"):
        check_clip_by_norm(elementwise)
    with pytest.raises(AssertionError, match="GLOBAL norm"):
        check_clip_by_norm(per_array)
    with pytest.raises(AssertionError, match="in place"):
        check_clip_by_norm(in_place)


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="grads must be a non-empty list"):
        global_norm(np.ones(3))
    with pytest.raises(ValueError, match="^max_norm must be a number in"):
        clip_by_global_norm([np.ones(3)], -1.0)
    with pytest.raises(ValueError, match="^limit must be a number in"):
        clip_elementwise([np.ones(3)], 0)
    with pytest.raises(ValueError, match="floating-point"):
        clip_by_global_norm([np.ones(3, dtype=int)], 1.0)
    with pytest.raises(ValueError, match=r"theta must have shape \(2,\)"):
        cliff_loss_and_grad(np.zeros(3))
    with pytest.raises(ValueError, match="non-finite at step 0"):
        gradient_descent_path([np.nan, 0.0], 0.1, 3)
    with pytest.raises(ValueError, match="T must be a positive integer"):
        one_unit_rnn_forward(1.0, 0.0, T=0)


def test_report_pass_reads_well_for_one_output_and_one_case(capsys):
    from rnnlib.checkers import report_pass

    assert report_pass("f", {"slope": 0.0}, [{"slope": 1e-12}]) == 1e-12
    assert capsys.readouterr().out == "f: correct. slope matches rnnlib's on 1 test case (rel. error < 1e-07).\n"
    report_pass("g", {"a": 0.0, "b": 0.0}, [{"a": 0.0, "b": 2e-9}, {"a": 0.0, "b": 0.0}])
    assert capsys.readouterr().out == "g: correct. All 2 outputs (a, b) match rnnlib's on 2 test cases (rel. error < 1e-07).\n"
