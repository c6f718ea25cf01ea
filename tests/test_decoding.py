"""rnnlib.decoding on hand-made step functions whose answers are known by reasoning or by enumeration."""
import itertools

import numpy as np
import pytest
import torch

from rnnlib.decoding import beam_search, greedy_decode, log_softmax, sample_decode

END, A, B, START = 0, 1, 2, 3


def positional(table):
    """Step function of a model whose logits are table[pos, prev] (P, V, V); state = (pos (B,),)."""
    def step(tokens, state):
        (pos,) = state
        return table[np.minimum(pos, len(table) - 1), tokens], (pos + 1,)
    return step


def markov(P):
    """Step function of a first-order Markov chain with transition probabilities P[prev, next]."""
    return positional(np.log(P / P.sum(axis=1, keepdims=True))[None])


def rnn_step(V=3, H=4, seed=0, use_torch=False):
    """A tiny tanh RNN language model: its state depends on the whole history (so beam reordering matters)."""
    rng = np.random.default_rng(seed)
    W_xh, W_hh, W_hy = rng.normal(size=(H, V)), rng.normal(size=(H, H)), 2 * rng.normal(size=(V, H))
    if use_torch:
        W_xh, W_hh, W_hy = (torch.tensor(w) for w in (W_xh, W_hh, W_hy))

        def step(tokens, state):
            h = torch.tanh(W_xh.T[torch.as_tensor(tokens)] + state[0] @ W_hh.T)
            return h @ W_hy.T, (h,)
        return step, (torch.zeros(1, H, dtype=torch.float64),)

    def step(tokens, state):
        h = np.tanh(W_xh.T[tokens] + state[0] @ W_hh.T)
        return h @ W_hy.T, (h,)
    return step, (np.zeros((1, H)),)


def logprob_of(step, state, start, tokens):
    """log P(tokens) by feeding them one at a time (batch 1), with a log-softmax written out here."""
    total, prev = 0.0, start
    for tok in tokens:
        logits, state = step(np.array([prev]), state)
        z = np.asarray(logits.detach() if hasattr(logits, "detach") else logits, dtype=np.float64)[0]
        total += z[tok] - np.log(np.sum(np.exp(z)))
        prev = tok
    return total


def all_sequences(V, max_len, end):
    """Every sequence decoding can produce: ends with `end` at some length <= max_len, or reaches max_len."""
    others = [v for v in range(V) if v != end]
    for L in range(1, max_len + 1):
        for body in itertools.product(others, repeat=L - 1):
            yield list(body) + [end]
    yield from (list(s) for s in itertools.product(others, repeat=max_len))


# From START: A 0.6, B 0.4. After A: END 0.4, A 0.3, B 0.3. After B: END 0.99. After END: back to A.
TRAP = np.array([[0.0, 1.0, 0.0, 0.0],
                 [0.4, 0.3, 0.3, 0.0],
                 [0.99, 0.005, 0.005, 0.0],
                 [0.0, 0.6, 0.4, 0.0]]) + 1e-12


def test_greedy_takes_the_trap_and_beam_avoids_it():
    step, state = markov(TRAP), (np.zeros(1, dtype=int),)
    greedy = greedy_decode(step, state, START, 4, end_token=END)
    np.testing.assert_array_equal(greedy, [[A, END, END, END]])  # 0.6 * 0.4 = 0.24
    best = beam_search(step, state, START, 4, END, beam_width=2)[0]
    assert best[0] == [B, END]  # 0.4 * 0.99 = 0.396 > 0.24
    assert best[1] == pytest.approx(np.log(0.4 * 0.99), abs=1e-9)
    assert best[2] == pytest.approx(best[1] / 2 ** 0.7, rel=1e-14)


def test_greedy_pads_after_end_and_stops_when_every_row_ended():
    calls = []
    base = markov(TRAP)

    def step(tokens, state):
        calls.append(tokens.copy())
        return base(tokens, state)

    out = greedy_decode(step, (np.zeros(3, dtype=int),), START, 6, end_token=END)
    np.testing.assert_array_equal(out, [[A, END, END, END, END, END]] * 3)  # END -> A is never emitted
    assert len(calls) == 2  # every row ended at the second token: no more model calls
    np.testing.assert_array_equal(greedy_decode(base, (np.zeros(2, dtype=int),), START, 3), [[A, END, A]] * 2)


@pytest.mark.parametrize("seed", range(5))
def test_beam_width_one_is_greedy(seed):
    step, state = rnn_step(V=5, seed=seed)
    greedy = list(greedy_decode(step, state, 1, 8, end_token=END)[0])
    if END in greedy:
        greedy = greedy[:greedy.index(END) + 1]
    (tokens, lp, score), = beam_search(step, state, 1, 8, END, beam_width=1, alpha=0.7)
    assert tokens == greedy
    assert lp == pytest.approx(logprob_of(step, state, 1, tokens), abs=1e-12)


@pytest.mark.parametrize("use_torch", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_wide_beam_equals_brute_force_enumeration(use_torch, alpha):
    step, state = rnn_step(V=3, seed=7, use_torch=use_torch)
    seqs = list(all_sequences(3, 4, END))  # 1 + 2 + 4 + 8 ended, 16 that reach max_len
    assert len(seqs) == 31
    brute = [(s, logprob_of(step, state, 1, s)) for s in seqs]
    brute.sort(key=lambda r: -r[1] / len(r[0]) ** alpha)
    beams = beam_search(step, state, 1, 4, END, beam_width=100, alpha=alpha)
    assert [b[0] for b in beams] == [s for s, _ in brute]
    np.testing.assert_allclose([b[1] for b in beams], [lp for _, lp in brute], rtol=0, atol=1e-12)
    # a narrower beam returns the best it found: never better than the true best
    narrow = beam_search(step, state, 1, 4, END, beam_width=2, alpha=alpha)
    assert len(narrow) <= 2 and narrow[0][2] <= beams[0][2] + 1e-12


def test_beam_torch_state_matches_numpy():
    ours = beam_search(*rnn_step(V=4, seed=3), 1, 6, END, beam_width=3)
    theirs = beam_search(*rnn_step(V=4, seed=3, use_torch=True), 1, 6, END, beam_width=3)
    assert [r[0] for r in ours] == [r[0] for r in theirs]
    np.testing.assert_allclose([r[2] for r in ours], [r[2] for r in theirs], rtol=1e-12)


def test_greedy_and_sampling_accept_torch_logits_that_require_grad():
    np_step, np_state = rnn_step(V=4, seed=4)
    t_step, t_state = rnn_step(V=4, seed=4, use_torch=True)
    grad_step = lambda tokens, state: (lambda z, s: (z.clone().requires_grad_(True), s))(*t_step(tokens, state))
    states = lambda s: tuple(x.repeat(5, 1) if torch.is_tensor(x) else np.repeat(x, 5, axis=0) for x in s)
    np.testing.assert_array_equal(greedy_decode(grad_step, states(t_state), 1, 6, end_token=END),
                                  greedy_decode(np_step, states(np_state), 1, 6, end_token=END))
    np.testing.assert_array_equal(sample_decode(grad_step, states(t_state), 1, 6, rng=5),
                                  sample_decode(np_step, states(np_state), 1, 6, rng=5))


def test_length_normalization_changes_the_winner():
    # From START: END 0.5 or A 0.5. Then A 0.95 twice, then END 0.95 (the rest split between B and END).
    # [END]: log 0.5 = -0.693 over 1 token; [A, A, A, END]: log 0.5 + 3 log 0.95 = -0.847 over 4 tokens.
    # alpha = 0 ranks by log P: [END] wins. alpha = 0.7: -0.847 / 4**0.7 = -0.321 > -0.693: the long one wins.
    P = np.full((4, 4, 4), 1e-12)
    P[0, START, [END, A]] = 0.5
    P[1:3, :, A], P[1:3, :, END], P[1:3, :, B] = 0.95, 0.025, 0.025
    P[3, :, END], P[3, :, A], P[3, :, B] = 0.95, 0.025, 0.025
    step, state = positional(np.log(P / P.sum(axis=2, keepdims=True))), (np.zeros(1, dtype=int),)
    raw = beam_search(step, state, START, 4, END, beam_width=3, alpha=0.0)
    normalized = beam_search(step, state, START, 4, END, beam_width=3, alpha=0.7)
    assert raw[0][0] == [END] and normalized[0][0] == [A, A, A, END]
    assert normalized[0][1] == pytest.approx(np.log(0.5) + 3 * np.log(0.95), abs=1e-9)
    assert normalized[0][2] == pytest.approx(normalized[0][1] / 4 ** 0.7, rel=1e-14)


def distinct_tables(rows, P, V, seed):
    """(rows, P, V, V) logits, each distribution a permutation of 0, 1, ..., V-1: gaps of at least 1."""
    rng = np.random.default_rng(seed)
    return np.array([[[rng.permutation(V) for _ in range(V)] for _ in range(P)] for _ in range(rows)], float)


def per_row(table):
    """Step function with logits table[row, pos, prev]; state = (row (B,), pos (B,))."""
    def step(tokens, state):
        row, pos = state
        return table[row, pos, tokens], (row, pos + 1)
    return step


def test_low_temperature_is_greedy_and_temperature_one_is_not():
    # Gaps >= 1 and T = 0.02: any other token has probability <= V exp(-50) ~ 1e-21 per step.
    table = distinct_tables(200, 6, 5, seed=0)
    step, state = per_row(table), (np.arange(200), np.zeros(200, dtype=int))
    greedy = greedy_decode(step, state, 0, 6)
    np.testing.assert_array_equal(sample_decode(step, state, 0, 6, temperature=0.02, rng=0), greedy)
    warm = sample_decode(step, state, 0, 6, temperature=1.0, rng=0)
    assert (warm != greedy).any(axis=1).mean() > 0.5  # P(a row matches greedy) is about 0.64**6 ~ 0.07


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sampling_frequencies_match_softmax_over_temperature(temperature):
    z = np.array([2.0, 1.0, 0.0, -1.0, 0.5])
    n = 40_000
    step = lambda tokens, state: (np.tile(z, (len(tokens), 1)), state)
    tokens = sample_decode(step, (np.zeros(n),), 0, 1, temperature=temperature, rng=np.random.default_rng(1))[:, 0]
    freq = np.bincount(tokens, minlength=5) / n
    p = np.exp(z / temperature) / np.exp(z / temperature).sum()
    sigma = np.sqrt(p * (1 - p) / n)  # binomial standard error of each frequency
    assert np.all(np.abs(freq - p) <= 5 * sigma)
    wrong = np.exp(z) / np.exp(z).sum()  # the bound is tight enough to reject an unscaled softmax
    assert temperature == 1.0 or np.any(np.abs(freq - wrong) > 5 * sigma)


def test_sampling_is_reproducible_and_honours_end_token():
    step, state = markov(TRAP), (np.zeros(50, dtype=int),)
    a = sample_decode(step, state, START, 5, rng=3, end_token=END)
    np.testing.assert_array_equal(a, sample_decode(step, state, START, 5, rng=np.random.default_rng(3), end_token=END))
    for row in a:  # after the first END only END; END -> A would otherwise follow
        first = list(row).index(END) if END in row else len(row)
        assert (row[first:] == END).all()


def test_log_softmax_is_stable():
    out = log_softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.0, -1000.0], [np.log(0.5), np.log(0.5)]], rtol=1e-15)


def good():
    return markov(TRAP), (np.zeros(1, dtype=int),)


@pytest.mark.parametrize("call,match", [
    (lambda s, st: greedy_decode("step", st, START, 3), "step"),
    (lambda s, st: greedy_decode(s, (), START, 3), "state"),
    (lambda s, st: greedy_decode(s, st[0], START, 3), "state"),
    (lambda s, st: greedy_decode(s, (np.zeros(2), np.zeros(3)), START, 3), "state"),
    (lambda s, st: greedy_decode(s, st, -1, 3), "start_token"),
    (lambda s, st: greedy_decode(s, st, 1.0, 3), "start_token"),
    (lambda s, st: greedy_decode(lambda t, x: (np.zeros((1, 4)), x), st, 4, 3), "start_token"),  # V = 4 < 5
    (lambda s, st: greedy_decode(s, st, START, 0), "max_len"),
    (lambda s, st: greedy_decode(s, st, START, 3, end_token=9), "end_token"),
    (lambda s, st: sample_decode(s, st, START, 3, temperature=0.0), "temperature"),
    (lambda s, st: sample_decode(s, st, START, 3, rng="seed"), "rng"),
    (lambda s, st: beam_search(s, st, START, 3, None), "end_token"),
    (lambda s, st: beam_search(s, st, START, 3, END, beam_width=0), "beam_width"),
    (lambda s, st: beam_search(s, st, START, 3, END, alpha=-0.5), "alpha"),
    (lambda s, st: beam_search(s, (np.zeros((2, 1)),), START, 3, END), "state"),
    (lambda s, st: greedy_decode(lambda t, x: (np.zeros((1, 4)),), st, START, 3), "step"),
    (lambda s, st: greedy_decode(lambda t, x: (np.zeros((2, 4)), x), st, START, 3), "logits"),
    (lambda s, st: greedy_decode(lambda t, x: (np.zeros((1, 4)), (np.zeros(2),)), st, START, 3), "state"),
])
def test_validation_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call(*good())
