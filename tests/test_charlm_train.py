"""Tests for rnnlib.charlm.training: train_charlm."""
import numpy as np
import pytest

from rnnlib.charlm import init_params
from rnnlib.charlm import train_charlm


def test_training_learns_a_repeating_text_and_is_reproducible():
    data = np.tile(np.array([0, 1, 2, 2, 3]), 200)  # "hello" * 200 as indices
    runs = [train_charlm(data[:900], data[900:], 4, hidden_size=8, seq_length=5, batch_size=4, steps=150,
                         eval_every=50, rng=np.random.default_rng(0), dtype=np.float64) for _ in range(2)]
    res = runs[0]
    assert res.steps == [50, 100, 150] and res.chars == 150 * 4 * 5
    assert res.val_nats[-1] < 0.1 < res.running_nats[0]  # from ln 4 = 1.39 at step 0
    assert res.val_nats == runs[1].val_nats and res.train_nats == runs[1].train_nats


def test_train_and_validation_are_scored_the_same_way():
    from rnnlib.charlm import CharLMRecord, evaluate_nats

    rng = np.random.default_rng(1)
    data = rng.integers(0, 6, 700)
    seen, records = [], []

    def callback(record):
        records.append(record)
        seen.append((evaluate_nats(record.params, data[:100]), evaluate_nats(record.params, data[600:])))

    res = train_charlm(data[:600], data[600:], 6, hidden_size=8, seq_length=5, batch_size=3, steps=40, eval_every=20,
                       rng=np.random.default_rng(0), dtype=np.float64, callback=callback)
    assert res.steps == [20, 40] and len(res.running_nats) == 2
    assert list(zip(res.train_nats, res.val_nats)) == seen  # the first len(val) training characters
    assert res.train_nats[-1] == evaluate_nats(res.params, data[:100])
    assert all(isinstance(r, CharLMRecord) for r in records) and [r.step for r in records] == res.steps
    assert [(r.train_nats, r.val_nats, r.running_nats) for r in records] == list(
        zip(res.train_nats, res.val_nats, res.running_nats))


def test_rng_takes_a_seed_or_a_generator_and_progress_is_a_switch():
    data = np.tile(np.array([0, 1, 2, 2, 3]), 60)
    args = dict(hidden_size=6, seq_length=5, batch_size=2, steps=4, eval_every=2, dtype=np.float64)
    by_int = train_charlm(data[:250], data[250:], 4, rng=3, progress=False, **args)
    by_gen = train_charlm(data[:250], data[250:], 4, rng=np.random.default_rng(3), progress=True, **args)
    assert by_int.val_nats == by_gen.val_nats and len(by_int.steps) == len(by_int.train_nats) == 2
    with pytest.raises(ValueError, match="rng must be a np.random.Generator"):
        train_charlm(data[:250], data[250:], 4, rng=-1, **args)


def test_training_errors():
    data = np.zeros(100, dtype=np.int64)
    with pytest.raises(ValueError, match="exactly one budget"):
        train_charlm(data, data, 3, steps=1, seconds=1.0)
    with pytest.raises(ValueError, match="exactly one budget"):
        train_charlm(data, data, 3)
    with pytest.raises(ValueError, match="train_data must hold indices"):
        train_charlm(data + 3, data, 3, hidden_size=4, seq_length=5, batch_size=2, steps=1)
    params = init_params(3, 4, np.random.default_rng(0), np.float64)
    params["W_hy"][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="training diverged: the loss is nan at step 0"):
        train_charlm(data, data, 3, seq_length=5, batch_size=2, steps=3, params=params)


@pytest.mark.parametrize("name,value,message", [
    ("batch_size", 0, "batch_size must be a positive integer"),
    ("seq_length", -1, "seq_length must be a positive integer"),
    ("hidden_size", 0, "hidden_size must be a positive integer"),
    ("lr", -1.0, r"lr must be a number in \(0, inf\); got -1.0"),
    ("max_norm", float("nan"), r"max_norm must be a finite number in \(0, inf\); got nan"),
])
def test_train_charlm_names_the_bad_argument(name, value, message):
    data = np.arange(200) % 5
    with pytest.raises(ValueError, match=message):
        train_charlm(data, data[:50], 5, steps=1, **{name: value})


def test_the_loop_is_min_char_rnn_adagrad_bit_for_bit():
    """train_charlm steps with rnnlib.optim.Adagrad(eps_inside=True); a hand loop with adagrad_update
    (memory += g^2; p -= lr g / sqrt(memory + 1e-8)) on the same chunks gives identical float32 weights."""
    from rnnlib.charlm import PARAM_NAMES, charlm_backward, charlm_forward, make_streams
    from rnnlib.clipping import clip_by_global_norm
    from rnnlib.optim import adagrad_update

    data = np.random.default_rng(2).integers(0, 5, 400)
    start = init_params(5, 6, np.random.default_rng(0), np.float32)
    res = train_charlm(data, data[:50], 5, hidden_size=6, seq_length=4, batch_size=3, steps=7, eval_every=100,
                       params={k: v.copy() for k, v in start.items()}, lr=0.1, max_norm=0.25)
    p, memory = {k: v.copy() for k, v in start.items()}, {k: np.zeros_like(v) for k, v in start.items()}
    streams, h = make_streams(data, 3, 4), np.zeros((3, 6), np.float32)
    norms = []
    for k in range(7):
        _, cache = charlm_forward(p, streams[:, 4 * k:4 * k + 4], streams[:, 4 * k + 1:4 * k + 5], h)
        grads = charlm_backward(cache)
        clipped, norm = clip_by_global_norm({n: grads[n] for n in PARAM_NAMES}, 0.25)
        adagrad_update(p, clipped, memory, lr=0.1)
        h, norms = cache.h_last, norms + [norm]
    assert min(norms) < 0.25 < max(norms)  # the clip fires on some steps and not on others
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(res.params[name], p[name], err_msg=name)


def test_result_records_every_gradient_norm_and_adagrads_sums():
    """grad_norms: the global norm before clipping at every step; memory: Adagrad's sums of the clipped
    squared gradients, the same arrays the callback sees (live, like params)."""
    from rnnlib.charlm import PARAM_NAMES, charlm_backward, charlm_forward, make_streams
    from rnnlib.clipping import clip_by_global_norm

    data = np.random.default_rng(4).integers(0, 5, 400)
    start = init_params(5, 6, np.random.default_rng(0), np.float64)
    seen = []
    res = train_charlm(data, data[:50], 5, hidden_size=6, seq_length=4, batch_size=3, steps=6, eval_every=3,
                       params={k: v.copy() for k, v in start.items()}, max_norm=0.25,
                       callback=lambda r: seen.append({k: m.copy() for k, m in r.memory.items()}))
    p, memory = {k: v.copy() for k, v in start.items()}, {k: np.zeros_like(v) for k, v in start.items()}
    streams, h, norms = make_streams(data, 3, 4), np.zeros((3, 6)), []
    for k in range(6):
        _, cache = charlm_forward(p, streams[:, 4 * k:4 * k + 4], streams[:, 4 * k + 1:4 * k + 5], h)
        clipped, norm = clip_by_global_norm({n: charlm_backward(cache)[n] for n in PARAM_NAMES}, 0.25)
        for n in PARAM_NAMES:
            memory[n] += clipped[n] ** 2
            p[n] -= 0.1 * clipped[n] / np.sqrt(memory[n] + 1e-8)
        h, norms = cache.h_last, norms + [norm]
    assert len(res.grad_norms) == 6 and np.allclose(res.grad_norms, norms, rtol=1e-12, atol=0)
    assert sorted(res.memory) == sorted(PARAM_NAMES) and len(seen) == 2
    for n in PARAM_NAMES:
        np.testing.assert_allclose(res.memory[n], memory[n], rtol=1e-12, atol=0, err_msg=n)
        np.testing.assert_allclose(seen[-1][n], memory[n], rtol=1e-12, atol=0, err_msg=n)


def test_eps_over_T_squared_is_min_char_rnns_summed_loss():
    """Training the mean loss with eps / T**2 takes the same steps as training the loss summed over each
    stream's T characters (T times the gradient) with eps, the clip scaled by T as well."""
    from rnnlib.charlm import PARAM_NAMES, charlm_backward, charlm_forward, make_streams
    from rnnlib.clipping import clip_by_global_norm

    T, data = 4, np.random.default_rng(5).integers(0, 5, 600)
    start = init_params(5, 6, np.random.default_rng(1), np.float64)
    res = train_charlm(data, data[:50], 5, hidden_size=6, seq_length=T, batch_size=3, steps=20, eval_every=100,
                       params={k: v.copy() for k, v in start.items()}, max_norm=5 / T, eps=1e-8 / T**2)
    p, memory = {k: v.copy() for k, v in start.items()}, {k: np.zeros_like(v) for k, v in start.items()}
    streams, h = make_streams(data, 3, T), np.zeros((3, 6))
    for k in range(20):
        _, cache = charlm_forward(p, streams[:, T * k:T * k + T], streams[:, T * k + 1:T * k + T + 1], h)
        summed = {n: T * g for n, g in charlm_backward(cache).items() if n in PARAM_NAMES}
        clipped, _ = clip_by_global_norm(summed, 5.0)
        for n in PARAM_NAMES:
            memory[n] += clipped[n] ** 2
            p[n] -= 0.1 * clipped[n] / np.sqrt(memory[n] + 1e-8)
        h = cache.h_last
    for n in PARAM_NAMES:
        np.testing.assert_allclose(res.params[n], p[n], rtol=1e-5, atol=1e-9, err_msg=n)
    with pytest.raises(ValueError, match="eps must be"):
        train_charlm(data, data[:50], 5, steps=1, eps=-1.0)
