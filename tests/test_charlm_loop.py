"""Tests for rnnlib.charlm.loop: the per-character loop and its bugs."""
import numpy as np
import pytest

from rnnlib import rel_error
from rnnlib.charlm import PARAM_NAMES, charlm_backward, charlm_forward, init_params
from rnnlib.charlm.loop import BUGS, loop_adagrad_update, loop_loss_and_grads, loop_step_backward, loop_train
from rnnlib.checkers.charloop import check_adagrad_step, check_step_backward

from charlm_helpers import problem


@pytest.mark.parametrize("T,V,H", [(1, 3, 2), (6, 5, 4), (9, 4, 7)])
def test_loop_matches_vectorized(T, V, H):
    params, idx, targets, h0 = problem(1, T, V, H, seed=7)
    loss, cache = charlm_forward(params, idx, targets, h0)
    want = charlm_backward(cache)
    loop_loss, got, h_last = loop_loss_and_grads(params, idx[0], targets[0], h0[0])
    assert loop_loss == pytest.approx(loss * T, rel=1e-12)  # min-char-rnn sums over the chunk; charlm takes the mean
    np.testing.assert_allclose(h_last, cache.h_last[0], atol=1e-14)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(got[k], T * want[k], atol=1e-12, err_msg=k)


def test_bug_switches_break_what_they_should():
    params, idx, targets, h0 = problem(1, 5, 4, 4, seed=8)
    args = (params, idx[0], targets[0], h0[0])
    _, good, _ = loop_loss_and_grads(*args)
    _, sign, _ = loop_loss_and_grads(*args, bugs={"bias_sign"})
    assert rel_error(sign["W_hy"], good["W_hy"]) > 1e-3  # the forward changed, so do the scores
    for bug in ("tanh_grad", "dhnext_why"):
        _, bad, _ = loop_loss_and_grads(*args, bugs={bug})
        np.testing.assert_allclose(bad["W_hy"], good["W_hy"])  # the output layer is untouched
        assert rel_error(bad["W_hh"], good["W_hh"]) > 0.05
    with pytest.raises(ValueError, match=r"bugs must be names from .*got unknown \['typo'\]"):
        loop_loss_and_grads(*args, bugs={"typo"})
    assert set(BUGS) == {"bias_sign", "tanh_grad", "dhnext_why", "clip_in_loop", "update_param"}


def test_loop_train_update_bug_diverges_and_correct_one_learns():
    data = np.tile(np.array([0, 1, 2, 2, 3]), 3)
    records = []
    good = loop_train(data, 4, hidden_size=3, seq_length=4, steps=100, rng=np.random.default_rng(0),
                      callback=records.append)
    assert good.train_nats[-1] < 0.1 < good.train_nats[0]
    assert good.steps == list(range(1, 101)) == [r.step for r in records] and len(good.train_nats) == 100
    assert [r.train_nats for r in records] == good.train_nats
    again = loop_train(data, 4, hidden_size=3, seq_length=4, steps=100, rng=0, progress=False)  # an int seed
    assert again.train_nats == good.train_nats
    with pytest.raises(FloatingPointError, match=r"training diverged at step \d+ .*lr 0.1"):
        loop_train(data, 4, hidden_size=3, seq_length=4, steps=300, bugs={"update_param"}, rng=np.random.default_rng(0))


def test_checkers_give_specific_feedback(capsys):
    assert check_step_backward(lambda *a: loop_step_backward(*a)) < 1e-7
    assert "All 5 outputs (dW_xh, dW_hh, db_h, dW_hy, db_y) match" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"dW_xh is wrong .*dW_hh is wrong .*db_h is wrong .*dW_hy and db_y are "
                                             r"right\. Hint for dW_xh, dW_hh and db_h: this is the slides' tanh bug"):
        check_step_backward(lambda *a: loop_step_backward(*a, bugs={"tanh_grad"}))
    with pytest.raises(AssertionError, match="dh_prev must come from W_hh"):
        check_step_backward(lambda *a: loop_step_backward(*a, bugs={"dhnext_why"}))

    def in_place(dy, h, h_prev, x, dh_next, params):
        dh_next += params["W_hy"].T @ dy  # modifies the caller's upstream gradient
        return loop_step_backward(dy, h, h_prev, x, dh_next - params["W_hy"].T @ dy, params)

    with pytest.raises(AssertionError, match="step_backward changed its argument dh_next in place"):
        check_step_backward(in_place)

    def buggy_update(param, grad, memory, lr):
        memory += grad * grad
        param -= -lr * param / np.sqrt(memory + 1e-8)

    with pytest.raises(AssertionError, match="slides' update bug"):
        check_adagrad_step(buggy_update)


def test_checkers_say_not_implemented_yet_for_a_released_exercise():
    # nbgrader's student version: the solution region becomes `raise NotImplementedError()`
    def unanswered(*args):
        raise NotImplementedError()

    for checker in (check_step_backward, check_adagrad_step):
        with pytest.raises(AssertionError, match="not implemented yet") as info:
            checker(unanswered)
        assert "NotImplementedError" in str(info.value)
    # solution lines deleted by hand: the body is only the docstring, so nothing is returned or changed
    for checker in (check_step_backward, check_adagrad_step):
        with pytest.raises(AssertionError, match="not implemented yet"):
            checker(lambda *args: None)


def test_loop_train_steps_with_optim_adagrad_bit_for_bit():
    # loop_train updates with rnnlib.optim.Adagrad(eps_inside=True); by hand, loop_adagrad_update on the
    # same chunks (memory += g^2; p -= lr g / sqrt(memory + 1e-8)) must give identical weights.
    data = np.random.default_rng(5).integers(0, 4, 60)
    start = init_params(4, 3, np.random.default_rng(1), np.float64)
    res = loop_train(data, 4, seq_length=5, steps=6, params={k: v.copy() for k, v in start.items()})
    p, memory, h = {k: v.copy() for k, v in start.items()}, {k: np.zeros_like(v) for k, v in start.items()}, np.zeros(3)
    for k in range(6):
        _, grads, h = loop_loss_and_grads(p, data[5 * k:5 * k + 5], data[5 * k + 1:5 * k + 6], h, max_norm=5.0)
        loop_adagrad_update(p, grads, memory, lr=0.1)
    for name in p:
        np.testing.assert_array_equal(res.params[name], p[name], err_msg=name)


def test_adagrad_checker_names_an_update_that_is_not_in_place():
    def rebinds_param(param, grad, memory, lr):
        memory += grad * grad
        param = param - lr * grad / np.sqrt(memory + 1e-8)  # noqa: F841 (the mistake: a new local array)

    def rebinds_memory(param, grad, memory, lr):
        memory = memory + grad * grad
        param -= lr * grad / np.sqrt(memory + 1e-8)

    with pytest.raises(AssertionError, match="^param is unchanged: update it in place"):
        check_adagrad_step(rebinds_param)
    with pytest.raises(AssertionError, match="^memory is unchanged: update it in place"):
        check_adagrad_step(rebinds_memory)

