import numpy as np
import pytest

from rnnlib import gradcheck, numerical_gradient, numerical_gradient_array, rel_error


def test_rel_error_zero_over_zero_is_zero_not_nan():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_rel_error_values():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    assert rel_error(np.array([3.0, 4.0]), np.array([3.0, 4.0 + 1e-6])) == pytest.approx(1e-6 / 10, rel=1e-6)
    with pytest.raises(ValueError, match=r"b must have the same shape as a = \(2,\); got \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_known_function_and_no_mutation():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    x_before = x.copy()
    seen = []

    def f(v):
        seen.append(v is x)
        value = np.sum(v**3)
        v[...] = 0.0  # a function that writes into its argument must not corrupt x
        return value

    grad = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, x_before)
    assert not any(seen)
    assert rel_error(grad, 3 * x**2) <= 1e-9


def test_numerical_gradient_array_is_vector_jacobian_product():
    rng = np.random.default_rng(0)
    A, x, dout = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    assert rel_error(numerical_gradient_array(lambda v: A @ v, x, dout), A.T @ dout) <= 1e-9


def test_gradcheck_detects_a_wrong_gradient():
    inputs = {"a": np.array([1.0, 2.0]), "b": np.array([3.0])}
    f = lambda a, b: np.sum(a**2) * b[0]  # noqa: E731
    good = gradcheck(f, inputs, {"a": 2 * inputs["a"] * 3.0, "b": np.array([5.0])})
    assert max(good.values()) <= 1e-9
    bad = gradcheck(f, inputs, {"a": inputs["a"] * 3.0})  # forgot the factor 2
    assert bad["a"] > 0.3


def test_gradcheck_validation():
    with pytest.raises(ValueError, match=r"analytic names gradients for \['c'\]"):
        gradcheck(lambda a: 0.0, {"a": np.zeros(1)}, {"c": np.zeros(1)})
    with pytest.raises(ValueError, match="x must be a floating-point array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="h must be a positive step size"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), h=0)
