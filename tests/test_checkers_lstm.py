import numpy as np
import pytest

from rnnlib.lstm import lstm_step_backward, lstm_step_forward
from rnnlib.checkers.lstm import (
    BACKWARD_BUGS,
    FORWARD_BUGS,
    backward_with_bug,
    forward_with_bug,
    check_lstm_step_backward,
    check_lstm_step_forward,
)


def failure(check, student):
    """The message with which `check` rejects `student` (the test fails if it accepts it)."""
    with pytest.raises(AssertionError) as err:
        check(student)
    return str(err.value)


def test_reference_passes_both_checks(capsys):
    assert check_lstm_step_forward(lstm_step_forward) <= 1e-15
    assert check_lstm_step_backward(lstm_step_backward) <= 1e-15
    out = capsys.readouterr().out
    assert "lstm_step_forward: correct" in out and "lstm_step_backward: correct" in out
    assert max(len(line) for line in out.splitlines()) <= 78  # folded at words: no line wraps in a notebook
    assert "All 6 outputs (dx, dh_prev, dc_prev, dW_xh, dW_hh, db_h) match" in " ".join(out.split())


@pytest.mark.parametrize("bug", list(FORWARD_BUGS))
def test_each_known_forward_mistake_is_named(bug):
    def student(x, h_prev, c_prev, W_xh, W_hh, b_h):
        h, c = forward_with_bug(bug, x, h_prev, c_prev, W_xh, W_hh, b_h)
        return h, c, None

    with pytest.raises(AssertionError, match="known way") as err:
        check_lstm_step_forward(student)
    assert FORWARD_BUGS[bug] in str(err.value)


@pytest.mark.parametrize("bug", list(BACKWARD_BUGS))
def test_each_known_backward_mistake_is_named(bug):
    with pytest.raises(AssertionError, match="known way") as err:
        check_lstm_step_backward(lambda dh, dc, cache: backward_with_bug(bug, dh, dc, cache))
    assert BACKWARD_BUGS[bug] in str(err.value)


def test_forward_names_the_wrong_gate_from_the_cache():
    def student(x, h_prev, c_prev, W_xh, W_hh, b_h):  # the output gate through tanh instead of sigmoid
        h, c, cache = lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b_h)
        H = h.shape[1]
        a = x @ W_xh.T + h_prev @ W_hh.T + b_h
        ifgo = cache.ifgo.copy()
        ifgo[:, 3 * H :] = np.tanh(a[:, 3 * H :])
        return ifgo[:, 3 * H :] * cache.tanh_c, c, cache._replace(ifgo=ifgo)

    message = failure(check_lstm_step_forward, student)
    assert "h_next is wrong" in message and "c_next is right" in message
    assert "gate o is wrong and i, f, g are right" in message


def test_backward_names_the_wrong_gradient_and_gate():
    def student(dh_next, dc_next, cache):  # the candidate's derivative forgotten: dc * i instead of dc * i * (1 - g^2)
        dx, dh_prev, dc_prev, dW_xh, dW_hh, db_h = lstm_step_backward(dh_next, dc_next, cache)
        H = dh_next.shape[1]
        i, f, g, o = (cache.ifgo[:, k * H : (k + 1) * H] for k in range(4))
        dc = dc_next + dh_next * o * (1 - cache.tanh_c**2)
        da = np.concatenate([dc * g * i * (1 - i), dc * cache.c_prev * f * (1 - f), dc * i,
                             dh_next * cache.tanh_c * o * (1 - o)], axis=1)
        return da @ cache.W_xh, da @ cache.W_hh, dc_prev, da.T @ cache.x, da.T @ cache.h_prev, da.sum(axis=0)

    message = failure(check_lstm_step_backward, student)
    assert "dW_hh is wrong" in message and "dc_prev is right" in message
    assert "gate g is wrong and i, f, o are right" in message


def test_in_place_changes_and_wrong_arity_are_reported():
    def mutating(dh_next, dc_next, cache):
        dh_next *= 2
        return lstm_step_backward(dh_next / 2, dc_next, cache)

    with pytest.raises(AssertionError, match="changed its argument dh_next in place"):
        check_lstm_step_backward(mutating)
    with pytest.raises(AssertionError, match="must return 3 values"):
        check_lstm_step_forward(lambda *args: lstm_step_forward(*args)[:2])
