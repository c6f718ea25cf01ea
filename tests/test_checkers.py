import numpy as np
import pytest

from rnnlib.bptt import step_caches
from rnnlib.checkers import STEP_BACKWARD_BUGS as BUGS
from rnnlib.checkers import call_student, check_rnn_backward, check_rnn_step_backward, compare_outputs


# --- one-step backward: a correct version, the catalogue of bugs (rnnlib.checkers.bugs), harness probes -------------------------------
def step_ok(dh_next, c):
    da = dh_next * (1 - c.h_next**2)
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, da.T @ c.h_prev, da.sum(axis=0)


def step_half_dx(dh_next, c):
    dx, dh_prev, dW_xh, dW_hh, db_h = step_ok(dh_next, c)
    return 0.5 * dx, dh_prev, dW_xh, dW_hh, db_h


def step_four_outputs(dh_next, c):
    return step_ok(dh_next, c)[:4]


def step_crashes(dh_next, c):
    return dh_next @ c.W_xh.T  # (N, H) @ (D, H): shapes do not line up


def test_every_catalogued_bug_fails_the_step_checker():
    for name, fn in BUGS.items():
        with pytest.raises(AssertionError):
            check_rnn_step_backward(fn)


def test_step_checker_passes_a_correct_implementation(capsys):
    assert check_rnn_step_backward(step_ok) <= 1e-12
    assert "rnn_step_backward: correct" in capsys.readouterr().out


@pytest.mark.parametrize("fn,pattern", [
    (BUGS["no tanh derivative"], r"dx is wrong .*db_h is wrong \(rel. error [0-9.]+\)\. Every output is wrong.*1 - h_next\*\*2"),
    (BUGS["tanh of h"], r"Every output is wrong"),
    (BUGS["W_hh.T in row form"], r"dh_prev is wrong \(rel. error [0-9.]+\); dx, dW_xh, dW_hh and db_h are right\. Hint for dh_prev: check the term that multiplies h_prev"),
    (BUGS["h_next in dW_hh"], r"dW_hh is wrong \(rel. error [0-9.]+\); dx, dh_prev, dW_xh and db_h are right\. Hint for dW_hh"),
    (step_half_dx, r"dx is wrong \(rel. error 0.33\); dh_prev, dW_xh, dW_hh and db_h are right"),
    (BUGS["in-place upstream"], r"changed its argument dh_next in place"),
    (BUGS["scratch in cache"], r"changed its argument cache\.h_next in place"),
    (BUGS["db over wrong axis"], r"db_h has shape \(2,\); expected \(4,\)"),
    (step_four_outputs, r"must return 5 values \(dx, dh_prev, dW_xh, dW_hh, db_h\); got 4"),
    (step_crashes, r"rnn_step_backward raised ValueError: matmul"),
])
def test_step_checker_names_the_wrong_gradient(fn, pattern):  # every catalogued bug is listed here
    with pytest.raises(AssertionError, match=pattern):
        check_rnn_step_backward(fn)


# --- the BPTT loop ------------------------------------------------------------------------------
def loop(step, carry_in=True, accumulate=True, backwards=True, copy_dh=True, return_carry=True):
    def rnn_backward(dh, cache):
        caches, (N, T, H) = step_caches(cache), dh.shape
        dh = dh.copy() if copy_dh else dh
        dx, carry = np.zeros(cache.x.shape), np.zeros((N, H))
        total = [np.zeros(cache.W_xh.shape), np.zeros(cache.W_hh.shape), np.zeros(H)]
        for t in (reversed(range(T)) if backwards else range(T)):
            if carry_in:
                dh[:, t] += carry  # in place on dh: harmless only if dh was copied
            dx[:, t], carry, *parts = step(dh[:, t], caches[t])
            total = [a + b for a, b in zip(total, parts)] if accumulate else parts
        return dx, carry if return_carry else np.zeros((N, H)), *total
    return rnn_backward


@pytest.mark.parametrize("fn,pattern", [
    (loop(step_ok, carry_in=False), r"Every output is wrong.*dx is right at the last step but wrong before it"),
    (loop(step_ok, accumulate=False), r"dW_xh is wrong .*db_h is wrong .*; dx and dh0 are right\. Hint for dW_xh, dW_hh and db_h: .*add \(\+=\)"),
    (loop(step_ok, backwards=False), r"Every output is wrong.*go backwards in time"),
    (loop(step_ok, copy_dh=False), r"changed its argument dh in place"),
    (loop(step_ok, return_carry=False), r"dh0 is wrong \(rel. error 1\); dx, dW_xh, dW_hh and db_h are right\. Hint for dh0"),
    (loop(BUGS["W_hh.T in row form"]), r"dx is wrong .*dh0 is wrong .*"),
])
def test_loop_checker_names_the_wrong_gradient(fn, pattern):
    with pytest.raises(AssertionError, match=pattern):
        check_rnn_backward(fn)


def test_loop_checker_passes_a_correct_loop(capsys):
    assert check_rnn_backward(loop(step_ok)) <= 1e-12
    assert "rnn_backward: correct. All 5 outputs" in capsys.readouterr().out


# --- the shared helpers that later checkers build on ---------------------------------------------
def test_compare_outputs_accepts_dicts_and_reports_problems():
    expected = {"a": np.ones(3), "b": np.zeros((2, 2))}
    errors = compare_outputs("f", {"b": np.zeros((2, 2)), "a": np.ones(3)}, expected)
    assert errors == {"a": 0.0, "b": 0.0}
    with pytest.raises(AssertionError, match=r"f \(case n=3\): the result has no b"):
        compare_outputs("f", {"a": np.ones(3)}, expected, case="n=3")
    with pytest.raises(AssertionError, match="a is None"):
        compare_outputs("f", (None, np.zeros((2, 2))), expected)
    with pytest.raises(AssertionError, match="a contains NaN or inf"):
        compare_outputs("f", (np.array([1.0, np.nan, 1.0]), np.zeros((2, 2))), expected)
    with pytest.raises(AssertionError, match=r"a is wrong \(rel. error 0.2\); b is right\. Hint for a: scale"):
        compare_outputs("f", (1.5 * np.ones(3), np.zeros((2, 2))), expected, hints={"a": "scale"})
    assert compare_outputs("f", (1.001 * np.ones(3), np.zeros((2, 2))), expected, tol=1e-3)["a"] < 1e-3


def test_call_student_copies_arguments_and_reports_crashes():
    x = np.arange(3.0)
    assert call_student(lambda a: a.sum(), {"a": x}, "f") == 3.0

    def sneaky(a):
        a[0] = 7.0
        return a

    with pytest.raises(AssertionError, match="f changed its argument a in place"):
        call_student(sneaky, {"a": x}, "f")
    assert x[0] == 0.0  # the caller's array is untouched either way
    with pytest.raises(AssertionError, match="f raised ZeroDivisionError"):
        call_student(lambda a: 1 / 0, {"a": x}, "f")


def unanswered(*args):  # what nbgrader's generate_assignment leaves in place of the solution lines
    raise NotImplementedError()


@pytest.mark.parametrize("checker, name", [(check_rnn_step_backward, "rnn_step_backward"),
                                           (check_rnn_backward, "rnn_backward")])
def test_unanswered_exercise_says_not_implemented_yet(checker, name):
    with pytest.raises(AssertionError, match=rf"^{name}: not implemented yet\. Replace `raise NotImplementedError\(\)`") as info:
        checker(unanswered)
    assert info.value.__cause__ is None and "NameError" not in str(info.value)
