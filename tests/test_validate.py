"""rnnlib._validate: each helper accepts what it should and names the argument when it refuses."""
import numpy as np
import pytest

from rnnlib._validate import (check_array, check_cache, check_choice, check_index, check_indices, check_number,
                              check_param_dict, check_rng, check_stacked_array, check_cell_args)
from rnnlib.layers import EmbeddingCache


@pytest.mark.parametrize("kwargs,value,ok", [
    ({}, 3, True), ({}, -2.5, True), ({}, float("nan"), False), ({}, float("inf"), False),
    ({}, True, False), ({}, "1", False), ({}, np.float32(0.5), True), ({}, np.array([1.0]), False),
    ({"low": 0, "low_open": True}, 0.0, False), ({"low": 0}, 0.0, True),
    ({"low": 0, "high": 1, "high_open": True}, 1.0, False), ({"low": 0, "high": 1}, 1.0, True),
    ({"low": 0, "high": 1}, 1.5, False), ({"low": 0, "high": 1}, -1e-9, False),
])
def test_check_number(kwargs, value, ok):
    if ok:
        assert check_number("x", value, **kwargs) == float(value)
        assert type(check_number("x", value, **kwargs)) is float
    else:
        with pytest.raises(ValueError, match="^x must"):
            check_number("x", value, **kwargs)


def test_check_number_message_shows_the_interval():
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\); got 1"):
        check_number("momentum", 1, 0, 1, high_open=True)


def test_check_index():
    assert check_index("token", np.int64(4), 5) == 4
    for bad in (-1, 5, 2.0, True, "1", None):
        with pytest.raises(ValueError, match="^token must"):
            check_index("token", bad, 5)
    assert check_index("token", 10**6) == 10**6  # no upper bound when size is None


def test_check_indices():
    dims = {}
    out = check_indices("idx", np.array([[0, 4], [2, 1]]), 5, ("N", "T"), dims)
    assert out.shape == (2, 2) and dims == {"N": 2, "T": 2}
    with pytest.raises(ValueError, match=r"idx must hold indices in \[0, 5\); got values in \[-1, 4\]"):
        check_indices("idx", np.array([-1, 4]), 5)
    with pytest.raises(ValueError, match="^idx must be an integer array"):
        check_indices("idx", np.array([0.0, 1.0]), 5)
    with pytest.raises(ValueError, match="^idx must have shape"):
        check_indices("idx", np.array([0, 1]), 5, ("N", "T"))


def test_check_rng_one_rule():
    g = np.random.default_rng(3)
    assert check_rng("rng", g) is g
    assert check_rng("rng", 7).random() == np.random.default_rng(7).random()
    assert isinstance(check_rng("rng", None), np.random.Generator)
    for bad in (-1, 1.5, True, "0", np.random.RandomState(0)):
        with pytest.raises(ValueError, match="^rng must"):
            check_rng("rng", bad)


def test_check_cache_and_choice():
    cache = EmbeddingCache(np.zeros((1, 1), dtype=int), 3)
    assert check_cache("cache", cache, EmbeddingCache, "embedding_forward") is cache
    with pytest.raises(ValueError, match="cache must be the EmbeddingCache returned by embedding_forward; got tuple"):
        check_cache("cache", tuple(cache), EmbeddingCache, "embedding_forward")
    assert check_choice("reduction", "sum", ("mean", "sum")) == "sum"
    for bad in ("max", 1, np.array(["sum"])):
        with pytest.raises(ValueError, match="^reduction must be one of"):
            check_choice("reduction", bad, ("mean", "sum"))


def test_check_stacked_array_binds_the_per_gate_size(make_problem):
    p = make_problem(H=3, D=5, gates=4)
    dims = {}
    check_stacked_array("W_xh", p.params["W_xh"], 4, ("H", "D"), dims)
    assert dims == {"H": 3, "D": 5}
    check_stacked_array("W_hh", p.params["W_hh"], 4, ("H", "H"), dims)
    check_stacked_array("b_h", p.params["b_h"], 4, ("H",), dims)
    with pytest.raises(ValueError, match=r"W_hh must have shape \(4H, H\) = \(12, 3\); got \(12, 4\)"):
        check_stacked_array("W_hh", np.zeros((12, 4)), 4, ("H", "H"), {"H": 3})
    with pytest.raises(ValueError, match=r"W_xh must have shape \(4H, D\): its 10 rows must be a multiple of 4"):
        check_stacked_array("W_xh", np.zeros((10, 5)), 4, ("H", "D"))
    with pytest.raises(ValueError, match=r"b_h must have shape \(3H,\) = \(9,\); got \(12,\)"):
        check_stacked_array("b_h", np.zeros(12), 3, ("H",), {"H": 3})
    with pytest.raises(ValueError, match=r"b_h must have shape \(4H,\) \(1-D"):
        check_stacked_array("b_h", np.zeros((12, 1)), 4, ("H",))


def test_check_param_dict():
    params = {"W": np.zeros((2, 3)), "b": np.zeros(2)}
    assert check_param_dict("params", params, ["W", "b"]) is params
    with pytest.raises(ValueError, match=r"params must hold exactly \['W', 'b'\]; missing \['b'\], unexpected \['c'\]"):
        check_param_dict("params", {"W": params["W"], "c": params["b"]}, ["W", "b"])
    with pytest.raises(ValueError, match=r"^params\['b'\] must be a floating-point array"):
        check_param_dict("params", {"b": np.zeros(2, dtype=int)})
    for bad in ({}, [params["W"]], None):
        with pytest.raises(ValueError, match="^params must be a non-empty dict"):
            check_param_dict("params", bad)


def test_existing_check_array_is_unchanged():
    with pytest.raises(ValueError, match=r"W_hh must have shape \(H, H\) = \(3, 3\); got \(3, 4\)"):
        check_array("W_hh", np.zeros((3, 4)), ("H", "H"), {"H": 3})


def test_make_problem_fixture_is_seeded_and_shaped(make_problem, rng):
    a, b, c = make_problem(seed=1), make_problem(seed=1), make_problem(seed=2)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    p = make_problem(N=2, T=3, D=4, H=5, V=6, gates=3)
    assert p.x.shape == (2, 3, 4) and p.h0.shape == (2, 5) and p.dh.shape == (2, 3, 5)
    assert p.params["W_xh"].shape == (15, 4) and p.params["W_hh"].shape == (15, 5) and p.params["b_h"].shape == (15,)
    assert p.params["W_hy"].shape == (6, 5) and p.params["W_embed"].shape == (6, 4)
    assert p.idx.max() < 6 and p.targets.min() >= 0 and p.idx.dtype.kind == "i"
    assert make_problem(dtype=np.float32).x.dtype == np.float32
    assert rng.random() == np.random.default_rng(0).random()


def test_check_cell_args_binds_sizes_in_order_and_rejects_by_name():
    dims = {}
    x, h0, W_xh, b_xh = check_cell_args(3, dims, x=np.zeros((2, 4, 5)), h0=np.zeros((2, 6)), W_xh=np.zeros((18, 5)),
                                        b_xh=np.zeros(18))
    assert dims == {"N": 2, "T": 4, "D": 5, "H": 6} and W_xh.shape == (18, 5)
    check_cell_args(1, {}, x=np.zeros((2, 5)), h_prev=np.zeros((2, 6)), W_hh=np.zeros((6, 6)))
    with pytest.raises(ValueError, match=r"^W_hh must have shape \(3H, H\) = \(18, 6\); got \(18, 5\)"):
        check_cell_args(3, {}, h_prev=np.zeros((2, 6)), W_hh=np.zeros((18, 5)))
    with pytest.raises(ValueError, match=r"^x must have shape \(N, D\)"):  # a step's x without h0
        check_cell_args(3, {}, x=np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"^x must have at least one time step"):
        check_cell_args(1, {}, x=np.zeros((2, 0, 5)), h0=np.zeros((2, 6)))



def test_check_seed_and_temperature_one_rule():
    from rnnlib._validate import check_seed, check_temperature

    assert check_seed("seed", np.int64(3)) == 3 and check_seed("seed", 0) == 0
    for bad in (-1, 1.0, True, "0", None):
        with pytest.raises(ValueError, match=r"^seed must be a non-negative integer; got"):
            check_seed("seed", bad)
    assert check_temperature(1) == 1.0 and check_temperature(np.float32(0.5)) == 0.5
    for bad in (0, -0.1, float("nan"), float("inf"), True, "1"):
        with pytest.raises(ValueError, match=r"temperature must be a finite number > 0 \(use greedy=True"):
            check_temperature(bad)
