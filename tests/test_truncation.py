import tracemalloc

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnlib import truncation  # noqa: E402
from rnnlib.bptt import PARAM_NAMES, init_rnn_lm, rnn_lm_forward, rnn_lm_loss_and_grads, unrolled_contributions  # noqa: E402
from rnnlib.lm_training import LMRecord, train_rnn_lm, train_seeds  # noqa: E402
from rnnlib.truncation import (  # noqa: E402
    peak_memory,
    TruncationCurve,
    draw_truncation,
    gradient_agreement,
    truncated_bptt,
    truncation_curve,
    truncation_mask,
)
from rnnlib.torch_bridge import TorchRNNLM  # noqa: E402
from rnnlib.widgets import truncation_widget  # noqa: E402


def problem(N=2, T=7, D=3, H=4, V=3, seed=0):
    rng = np.random.default_rng(seed)
    params = init_rnn_lm(D, H, V, rng, scale=0.9)
    return params, rng.normal(size=(N, T, D)), rng.integers(0, V, size=(N, T)), rng.normal(scale=0.5, size=(N, H))


def test_truncation_mask_by_hand():
    # T = 5, chunks of 2: {0, 1}, {2, 3}, {4}; L_t reaches s <= t in its own chunk.
    expected = np.array([
        [1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 0, 1],
    ], dtype=bool)
    np.testing.assert_array_equal(truncation_mask(5, 2), expected)
    np.testing.assert_array_equal(truncation_mask(4, 1), np.eye(4, dtype=bool))
    np.testing.assert_array_equal(truncation_mask(4, 9), np.tri(4, dtype=bool))


@pytest.mark.parametrize("k", [1, 2, 3, 7, 20])
def test_truncated_equals_masked_double_sum(k):
    params, x, targets, h0 = problem()
    result = truncated_bptt(params, x, targets, h0, k)
    loss, cache = rnn_lm_forward(params, x, targets, h0)
    assert result.loss == pytest.approx(loss, rel=1e-12)  # the forward pass is never truncated
    np.testing.assert_allclose(result.h_last, cache.rnn.h[:, -1], rtol=1e-12)
    C = unrolled_contributions(cache.dlogits @ params["W_hy"], cache.rnn)
    mask = truncation_mask(x.shape[1], k)
    np.testing.assert_allclose(result.grads["W_hh"], C.W_hh[mask].sum(axis=0), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(result.grads["W_xh"], C.W_xh[mask].sum(axis=0), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(result.grads["b_h"], C.b_h[mask].sum(axis=0), rtol=1e-10, atol=1e-13)


def test_full_length_is_full_bptt_and_output_layer_is_never_truncated():
    params, x, targets, h0 = problem()
    _, full = rnn_lm_loss_and_grads(params, x, targets, h0)
    for k in (7, 100):
        grads = truncated_bptt(params, x, targets, h0, k).grads
        for name in PARAM_NAMES:
            np.testing.assert_allclose(grads[name], full[name], rtol=1e-12, atol=1e-14)
    short = truncated_bptt(params, x, targets, h0, 2).grads
    np.testing.assert_allclose(short["W_hy"], full["W_hy"], rtol=1e-12)
    assert np.abs(short["W_hh"] - full["W_hh"]).max() > 1e-6


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_matches_torch_detach_idiom(k):
    params, x, targets, h0 = problem(seed=2)
    result = truncated_bptt(params, x, targets, h0, k)
    ref = TorchRNNLM(params)
    h = torch.tensor(h0)
    for start in range(0, x.shape[1], k):
        logits, h = ref.logits(x[:, start:start + k], h.detach())
        ref_loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 3), torch.tensor(targets[:, start:start + k]).reshape(-1),
                                                     reduction="sum")
        ref_loss.backward()
    for name, want in ref.grads().items():
        np.testing.assert_allclose(result.grads[name], want, rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("N,T,D,H,V", [(2, 12, 3, 4, 5), (1, 8, 2, 6, 3)])
def test_cache_bytes_is_linear_in_k(N, T, D, H, V):
    params, x, targets, h0 = problem(N, T, D, H, V)
    for k in (1, 2, 4):
        # x (N, k, D), h (N, k, H) and dlogits (N, k, V) in float64 for the largest chunk
        assert truncated_bptt(params, x, targets, h0, k).cache_bytes == 8 * N * k * (D + H + V)


@pytest.mark.parametrize("T,k,chunks", [(12, 1, 12), (12, 5, 3), (12, 12, 1), (12, 20, 1)])
def test_truncated_bptt_counts_its_work(T, k, chunks):
    params, x, targets, h0 = problem(2, T, 3, 4, 5)
    result = truncated_bptt(params, x, targets, h0, k)
    assert (result.chunks, result.steps) == (chunks, T)  # every step once; one call per chunk


def test_gradient_agreement_known_values():
    r = {"W_xh": np.array([[1.0, 2.0]]), "W_hh": np.array([[0.0]]), "b_h": np.array([2.0])}
    assert gradient_agreement(r, r) == pytest.approx((1.0, 1.0))
    assert gradient_agreement({k: -2 * v for k, v in r.items()}, r) == pytest.approx((-1.0, 2.0))
    ortho = {"W_xh": np.array([[2.0, -1.0]]), "W_hh": np.array([[5.0]]), "b_h": np.array([0.0])}
    assert gradient_agreement(ortho, r)[0] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="reference gradient is zero"):
        gradient_agreement(r, {k: 0 * v for k, v in r.items()})
    with pytest.raises(ValueError, match=r"grads is missing \['b_h'\]"):
        gradient_agreement({"W_xh": r["W_xh"], "W_hh": r["W_hh"]}, r)
    with pytest.raises(ValueError, match=r"grads\['W_xh'\] must have the reference's shape \(1, 2\); got \(2,\)"):
        gradient_agreement({**r, "W_xh": np.ones(2)}, r)


def test_truncation_curve_ends_at_one():
    params, x, targets, h0 = problem(T=6)
    curve = truncation_curve(params, x, targets, h0, [1, 3, 6])
    assert curve.ks.tolist() == [1, 3, 6]
    assert curve.cosine[-1] == pytest.approx(1.0) and curve.rel_norm[-1] == pytest.approx(1.0)
    assert np.all(curve.cosine[:-1] < 1.0 - 1e-9)


def test_train_rnn_lm_learns_and_copies():
    text = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1])
    x, targets = np.eye(3)[text[:-1]][None], text[1:][None]
    params = init_rnn_lm(3, 8, 3, np.random.default_rng(0))
    before = {k: v.copy() for k, v in params.items()}
    records = []
    trained, losses = train_rnn_lm(params, x, targets, steps=60, lr=0.05, batch_size=4, rng=np.random.default_rng(1),
                                   callback=records.append)
    assert losses.shape == (60,) and losses[-1] < 0.1 * losses[0]  # a period-3 pattern is easy
    assert records == [LMRecord(i, loss) for i, loss in enumerate(losses)]
    again, _ = train_rnn_lm(params, x, targets, steps=60, lr=0.05, batch_size=4, rng=1, progress=False)
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(params[name], before[name])
        np.testing.assert_array_equal(again[name], trained[name])  # rng=1 is default_rng(1)
    with pytest.raises(FloatingPointError, match=r"training diverged: loss is nan at step 0; lower lr \(got 0.01\)"):
        train_rnn_lm({**params, "W_hy": np.full((3, 8), np.nan)}, x, targets, steps=2, rng=np.random.default_rng(0))


def fake_curves():
    ks = np.arange(1, 9)
    return {"a": TruncationCurve(ks, 1 - 0.5 / ks, np.ones(8)), "b": TruncationCurve(ks, 1 - 1 / ks, np.ones(8))}


def test_draw_truncation_makes_its_own_figure_when_given_none():
    import matplotlib.pyplot as plt

    fig = draw_truncation(3, 8, fake_curves())
    try:
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        assert tuple(fig.get_size_inches()) == (10, 4)
    finally:
        plt.close(fig)


def test_draw_truncation_panels():
    fig = draw_truncation(3, 8, fake_curves(), fig=Figure())
    ax_grid, ax_curve = fig.axes
    assert ax_grid.get_title() == f"k = 3: {int(truncation_mask(8, 3).sum())} of 36 terms kept"
    assert truncation_mask(8, 3).sum() == 6 + 6 + 3  # chunks of 3, 3 and 2 steps
    image = ax_grid.images[0].get_array()
    assert image[7, 6] == 2 and image[7, 5] == 1 and image[0, 7] == 0  # kept, cut, no path
    assert len(ax_curve.get_lines()) == 3  # two curves and the marker line
    assert ax_curve.get_lines()[-1].get_xdata()[0] == 3


def test_widget_redraws_when_k_changes(monkeypatch):
    calls = []
    real = truncation.draw_truncation

    def spy(k, T, curves, fig=None):
        calls.append(k)
        return real(k, T, curves, fig=fig)

    monkeypatch.setattr(truncation, "draw_truncation", spy)
    widget = truncation_widget(8, fake_curves(), k=2)
    slider, image = widget.children
    first = image.value
    slider.value = 6
    assert calls == [2, 6]
    assert image.value != first and len(image.value) > 0


def test_validation_errors():  # each error names its argument
    params, x, targets, h0 = problem()
    with pytest.raises(ValueError, match="^k "):
        truncated_bptt(params, x, targets, h0, 0)
    with pytest.raises(ValueError, match="^T "):
        truncation_mask(0, 2)
    with pytest.raises(ValueError, match="^targets "):
        truncated_bptt(params, x, targets[:, :3], h0, 2)
    with pytest.raises(ValueError, match="^params "):
        truncated_bptt({"W_xh": params["W_xh"]}, x, targets, h0, 2)
    with pytest.raises(ValueError, match="^rng "):
        train_rnn_lm(params, x[:1], targets[:1], steps=1, rng="0")
    with pytest.raises(ValueError, match="^steps "):
        train_rnn_lm(params, x[:1], targets[:1], steps=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^x "):
        train_rnn_lm(params, x, targets, steps=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^batch_size "):
        train_rnn_lm(params, x[:1], targets[:1], steps=1, batch_size=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^lr "):
        train_rnn_lm(params, x[:1], targets[:1], steps=1, lr=-0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^params "):
        train_rnn_lm({"W_hh": params["W_hh"]}, x[:1], targets[:1], steps=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^k .*2.5"):
        truncation_curve(params, x, targets, h0, [1, 2.5])
    with pytest.raises(ValueError, match="^ks "):
        truncation_curve(params, x, targets, h0, [])


def test_peak_memory_grows_with_the_chunk_and_counts_at_least_the_activations():
    params, x, targets, h0 = problem(4, 48, 10, 16, 10)  # big enough that activations dominate the peak
    peaks = {k: peak_memory(params, x, targets, h0, k) for k in (8, 16, 48)}
    per_step = 8 * 4 * (10 + 16 + 10)  # x, h and dlogits of one step, float64, N = 4
    assert peaks[8] < peaks[16] < peaks[48]
    assert peaks[48] - peaks[8] >= 40 * per_step  # 40 more steps held: at least their activations
    assert not tracemalloc.is_tracing()  # started and stopped by peak_memory
    tracemalloc.start()
    try:  # inside a caller's own tracing: measured the same, and tracing is left on
        again = peak_memory(params, x, targets, h0, 48)  # the same up to small interpreter allocations
        assert abs(again - peaks[48]) <= 0.02 * peaks[48] and tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_peak_memory_is_linear_in_k_one_chunk_at_a_time():
    params, x, targets, h0 = problem(4, 48, 10, 16, 10)
    ks = [8, 16, 24, 48]
    peaks = np.array([peak_memory(params, x, targets, h0, k) for k in ks])
    per_step = np.diff(peaks) / np.diff(ks)  # bytes of peak per step of k
    # k = 24 has two chunks, k = 48 one: if a finished chunk were still held, the slope would change there
    assert np.all(np.abs(per_step / per_step.mean() - 1) < 0.15), per_step
    assert per_step.mean() >= 8 * 4 * (10 + 16 + 10)  # at least the activations of one more step


def test_train_seeds_one_run_per_pair_reproducible():
    text = np.array([0, 1, 2] * 6)
    x, targets = np.eye(3)[text[:-1]][None], text[1:][None]
    runs = train_seeds(x, targets, hidden_size=6, seeds=[(0, 1), (2, 3)], steps=5)
    again = train_seeds(x, targets, hidden_size=6, seeds=[(2, 3)], steps=5, progress=False)
    assert len(runs) == 2 and all(losses.shape == (5,) for _, _, losses in runs)
    assert not np.array_equal(runs[0][0]["W_hh"], runs[1][0]["W_hh"])  # different init seeds
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(runs[1][1][name], again[0][1][name])
    np.testing.assert_array_equal(runs[0][0]["W_hh"], init_rnn_lm(3, 6, 3, np.random.default_rng(0))["W_hh"])
    with pytest.raises(ValueError, match="^seeds "):
        train_seeds(x, targets, hidden_size=6, seeds=[], steps=5)
    with pytest.raises(ValueError, match="^hidden_size "):
        train_seeds(x, targets, hidden_size=0, seeds=[(0, 1)], steps=5)
