"""rnnlib.captioning.decoder: gradient checks, torch parity, the masked loss's normalization, the step
function against teacher forcing, overfitting a handful of captions, validation."""
import numpy as np
import pytest
import torch

from rnnlib.captioning.decoder import (PARAM_NAMES, CaptionDecoderRecord, CaptionDecoderTrainResult, caption_backward,
                                    caption_forward, caption_step_fn, init_caption_params, overfit_captions)
from rnnlib.decoding import greedy_decode
from rnnlib.gradcheck import gradcheck, rel_error

PAD, START, END = 0, 1, 2
# <start> words <end> <pad>...: lengths 5, 3, 7 and 4 tokens after <start>
CAPTIONS = np.array([[START, 4, 5, 6, END, PAD, PAD, PAD],
                     [START, 7, END, PAD, PAD, PAD, PAD, PAD],
                     [START, 3, 3, 8, 4, 5, 6, END],
                     [START, 5, 4, END, PAD, PAD, PAD, PAD]])


def problem(seed=0, V=9, F=6, D=4, H=5):
    """Random parameters (biases too, so no gradient is trivially zero) and features for CAPTIONS."""
    rng = np.random.default_rng(seed)
    params = init_caption_params(V, F, D, H, rng)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}
    return params, rng.standard_normal((len(CAPTIONS), F))


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_check_every_parameter(seed):
    params, features = problem(seed)
    loss, cache = caption_forward(params, features, CAPTIONS)
    grads = caption_backward(cache)
    assert sorted(grads) == sorted(PARAM_NAMES)
    errors = gradcheck(lambda **p: caption_forward(p, features, CAPTIONS)[0], params, grads)
    assert max(errors.values()) <= 1e-8, errors


def torch_loss_and_grads(params, features, captions, pad):
    """The same decoder written with torch modules: nn.LSTM, nn.Embedding, nn.Linear, ignore_index loss."""
    H = params["W_hh"].shape[1]
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    lstm = torch.nn.LSTM(params["W_xh"].shape[1], H, batch_first=True).double()
    with torch.no_grad():
        lstm.bias_hh_l0.zero_()
    lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0 = (
        torch.nn.Parameter(t["W_xh"]), torch.nn.Parameter(t["W_hh"]), torch.nn.Parameter(t["b_h"]))
    h0 = torch.tensor(features) @ t["W_proj"].T + t["b_proj"]
    x = torch.nn.functional.embedding(torch.tensor(captions[:, :-1]), t["W_embed"])
    h, _ = lstm(x, (h0[None], torch.zeros_like(h0)[None]))
    logits = h @ t["W_hy"].T + t["b_y"]
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             torch.tensor(captions[:, 1:]).reshape(-1), ignore_index=pad)
    loss.backward()
    return loss.item(), {"W_xh": lstm.weight_ih_l0.grad, "W_hh": lstm.weight_hh_l0.grad, "b_h": lstm.bias_ih_l0.grad,
                         **{k: t[k].grad for k in ("W_proj", "b_proj", "W_embed", "W_hy", "b_y")}}


def test_matches_torch():
    # torch's cross_entropy with ignore_index and reduction="mean" also divides by the number of real targets.
    params, features = problem(2)
    loss, cache = caption_forward(params, features, CAPTIONS, pad_token=PAD)
    grads = caption_backward(cache)
    t_loss, t_grads = torch_loss_and_grads(params, features, CAPTIONS, PAD)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    for k in PARAM_NAMES:
        assert rel_error(grads[k], t_grads[k].numpy()) <= 1e-10, k


def test_loss_is_the_mean_over_real_tokens():
    # Each caption alone, trimmed of its padding, gives a loss per token; the batch loss is their
    # average weighted by the number of real targets (4, 2, 7, 3), not the mean over captions.
    params, features = problem(3)
    counts = (CAPTIONS[:, 1:] != PAD).sum(axis=1)
    assert counts.tolist() == [4, 2, 7, 3]
    alone = [caption_forward(params, features[n:n + 1], CAPTIONS[n:n + 1, :counts[n] + 1])[0] for n in range(4)]
    batch, _ = caption_forward(params, features, CAPTIONS)
    assert batch == pytest.approx(np.dot(alone, counts) / counts.sum(), rel=1e-12)
    assert abs(batch - np.mean(alone)) > 1e-3  # the two normalizations really differ here


def test_step_function_reproduces_teacher_forcing():
    # Feeding the caption's own words through the step function gives the same loss as caption_forward.
    params, features = problem(4)
    step, state = caption_step_fn(params, features)
    total, count = 0.0, 0
    for t in range(CAPTIONS.shape[1] - 1):
        logits, state = step(CAPTIONS[:, t], state)
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        real = CAPTIONS[:, t + 1] != PAD
        total -= logp[np.arange(4), CAPTIONS[:, t + 1]][real].sum()
        count += real.sum()
    assert total / count == pytest.approx(caption_forward(params, features, CAPTIONS)[0], rel=1e-12)


def test_initial_state_is_the_projected_image():
    params, features = problem(5)
    _, (h0, c0) = caption_step_fn(params, features)
    np.testing.assert_allclose(h0, features @ params["W_proj"].T + params["b_proj"], rtol=1e-15)
    assert not c0.any() and c0.shape == h0.shape


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overfit_a_handful_of_captions_then_greedy_decoding_writes_them(seed):
    features = np.random.default_rng(10 + seed).standard_normal((4, 8))
    records = []
    result = overfit_captions(features, CAPTIONS, 9, steps=300, lr=0.01, rng=seed, progress=False,
                              callback=records.append)
    assert isinstance(result, CaptionDecoderTrainResult) and result.seconds > 0
    assert result.steps == list(range(1, 301)) and len(result.train_nats) == 300
    assert records == [CaptionDecoderRecord(s, n) for s, n in zip(result.steps, result.train_nats)]
    assert result.train_nats[0] > 1.0 and result.train_nats[-1] < 0.01  # from ~log 9 = 2.2 nats to ~0
    decoded = greedy_decode(*caption_step_fn(result.params, features), START, 7, end_token=END)
    expected = np.where(CAPTIONS[:, 1:] == PAD, END, CAPTIONS[:, 1:])  # greedy pads with <end>
    np.testing.assert_array_equal(decoded, expected)


def test_init_shapes_and_forget_bias():
    p = init_caption_params(9, 6, 4, 5, rng=0, dtype=np.float32)
    shapes = {k: v.shape for k, v in p.items()}
    assert shapes == {"W_proj": (5, 6), "b_proj": (5,), "W_embed": (9, 4), "W_xh": (20, 4), "W_hh": (20, 5),
                      "b_h": (20,), "W_hy": (9, 5), "b_y": (9,)}
    assert all(v.dtype == np.float32 for v in p.values())
    np.testing.assert_array_equal(p["b_h"], np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # gates i, f, g, o


def test_backward_leaves_the_cache_alone():
    params, features = problem(6)
    _, cache = caption_forward(params, features, CAPTIONS)
    before = cache.dlogits.copy()
    a, b = caption_backward(cache), caption_backward(cache)
    np.testing.assert_array_equal(cache.dlogits, before)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("change,match", [
    (lambda p, f, c: ({k: v for k, v in p.items() if k != "b_y"}, f, c), "params"),
    (lambda p, f, c: ({**p, "W_hh": p["W_hh"][:, :4]}, f, c), r"W_hh"),
    (lambda p, f, c: ({**p, "W_xh": p["W_xh"][:18]}, f, c), r"W_xh"),
    (lambda p, f, c: ({**p, "b_h": p["b_h"][:16]}, f, c), r"b_h"),
    (lambda p, f, c: ({**p, "W_hy": p["W_hy"][:, :4]}, f, c), r"W_hy"),
    (lambda p, f, c: (p, f[:, :5], c), "features"),
    (lambda p, f, c: (p, f[:3], c), "captions"),
    (lambda p, f, c: (p, f, c + 5), "captions"),
    (lambda p, f, c: (p, f, c.astype(float)), "captions"),
    (lambda p, f, c: (p, f, c[:, :1]), "captions"),
])
def test_forward_validation(change, match):
    params, features, captions = change(*problem(), CAPTIONS)
    with pytest.raises(ValueError, match=match):
        caption_forward(params, features, captions)


def test_other_validation():
    params, features = problem()
    with pytest.raises(ValueError, match="pad_token"):
        caption_forward(params, features, CAPTIONS, pad_token=9)
    with pytest.raises(ValueError, match="cache"):
        caption_backward((1, 2))
    with pytest.raises(ValueError, match="tokens"):
        step, state = caption_step_fn(params, features)
        step(np.array([9, 0, 0, 0]), state)
    with pytest.raises(ValueError, match="features"):
        caption_step_fn(params, features[:, :5])
    with pytest.raises(ValueError, match="steps"):
        overfit_captions(features, CAPTIONS, 9, steps=0)
    with pytest.raises(ValueError, match="lr"):
        overfit_captions(features, CAPTIONS, 9, lr=-1.0)
    with pytest.raises(TypeError):
        overfit_captions(features, CAPTIONS, 9, 300)  # steps and the rest are keyword-only
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"training diverged at step \d+: loss nan; lower lr \(got 1e\+300\)"):
        overfit_captions(features, CAPTIONS, 9, steps=5, lr=1e300, progress=False)
    with pytest.raises(ValueError, match="hidden_size"):
        init_caption_params(9, 6, 4, 0)
    with pytest.raises(ValueError, match="rng"):
        init_caption_params(9, 6, 4, 5, rng="zero")
