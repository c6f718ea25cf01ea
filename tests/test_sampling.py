"""Tests for rnnlib.charlm.sampling: next-character probabilities, sampling with a temperature, word hit rate."""
import numpy as np
import pytest

from rnnlib import Vocabulary
from rnnlib.charlm import charlm_forward
from rnnlib.charlm import charlm_step_fn, next_char_probs, sample
from rnnlib.decoding import sample_decode

from charlm_helpers import problem


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


def test_step_fn_is_the_model_one_character_at_a_time():
    """charlm_step_fn scores B rows at once exactly as charlm_forward scores each row's sequence."""
    params, *_ = problem(1, 1, 5, 4, seed=6)
    seqs = np.array([[0, 3, 1], [2, 2, 4]])  # (B=2, T=3)
    step, state = charlm_step_fn(params, batch_size=2)
    assert len(state) == 1 and np.array_equal(state[0], np.zeros((2, 4)))  # the initial state: h = 0
    for t in range(3):
        logits, state = step(seqs[:, t], state)
        for b in range(2):
            _, cache = charlm_forward(params, seqs[b:b + 1, :t + 1], seqs[b:b + 1, :t + 1], np.zeros((1, 4)))
            np.testing.assert_allclose(np.exp(logits[b]) / np.exp(logits[b]).sum(), cache.probs[-1], atol=1e-12)
    with pytest.raises(ValueError, match="W_hh"):
        charlm_step_fn({**params, "W_hh": np.zeros((4, 3))})


def test_sample_is_rnnlib_decoding_on_the_step_fn():
    """sample() reads the seed, then hands the loop to rnnlib.decoding: the same draws give the same text."""
    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=7)
    text = sample(params, vocab, 30, "hel", temperature=0.7, rng=3)
    step, state = charlm_step_fn(params)
    for c in vocab.encode("he"):  # the seed but its last character
        _, state = step(np.array([c]), state)
    out = sample_decode(step, state, vocab.index["l"], 30, temperature=0.7, rng=3)
    assert text == vocab.decode(out[0])


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
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        sample(params, vocab, -1, "h")
    with pytest.raises(ValueError, match="vocab must have V = 4 symbols"):
        sample(params, Vocabulary("abc"), 5, "a")


def test_word_hit_rate():
    from rnnlib.charlm import word_hit_rate

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


def test_sample_defaults_are_seeded_and_start_after_a_newline():
    """sample(params, vocab, n, seed_text="\\n", temperature=1.0, greedy=False, rng=0): the same defaults as charlstm's."""
    vocab = Vocabulary(order="helo\n")
    params, *_ = problem(1, 1, 5, 3, seed=12)
    assert sample(params, vocab, 40) == sample(params, vocab, 40, "\n", 1.0, False, rng=0)
    assert sample(params, vocab, 40) == sample(params, vocab, 40, rng=np.random.default_rng(0))
