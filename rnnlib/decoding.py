"""Decoding for any recurrent model that can take one step: greedy, temperature sampling, beam search.

A model is seen only through its step function,

    step(tokens, state) -> (logits, state)

- tokens: (B,) int64 numpy array, the previous token of each of B sequences;
- state: tuple of arrays (numpy or torch), each with the batch B on its first axis
  (an RNN's (h,), an LSTM's (h, c), a caption decoder's (h, c) started from the image);
- logits: (B, V) scores for the next token (numpy or torch; converted to float64 numpy here).

so the char-RNN, the LSTM and the caption decoder share one implementation. Decoding starts by
feeding start_token; the returned tokens are the generated ones (start_token not included).

- greedy_decode: take argmax at every step (the limit temperature -> 0 of sampling).
- sample_decode: draw each token from softmax(logits / temperature).
- beam_search: keep the beam_width most probable prefixes; rank finished ones by
  score = log P(tokens) / len(tokens) ** alpha, so that long captions are not penalized merely for
  having more factors below 1 (alpha = 0: raw log-probability; Wu et al. 2016 use alpha in [0.6, 0.7]).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_index, check_number, check_positive_int, check_rng

__all__ = ["log_softmax", "greedy_decode", "sample_decode", "beam_search"]


def log_softmax(logits):
    """Numerically stable log softmax over the last axis: z - max z - log sum exp(z - max z)."""
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _to_numpy(x):
    """A numpy float64 copy of logits given as a numpy array or a torch tensor."""
    if hasattr(x, "detach"):  # a torch tensor: leave autograd and the device behind
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _check_state(state):
    """Check the state is a non-empty tuple/list of arrays sharing the first axis B; return (tuple, B)."""
    if not isinstance(state, (tuple, list)) or len(state) == 0:
        raise ValueError(f"state must be a non-empty tuple of arrays whose first axis is the batch B; "
                         f"got {type(state).__name__}{' (empty)' if isinstance(state, (tuple, list)) else ''}")
    sizes = []
    for i, s in enumerate(state):
        shape = getattr(s, "shape", None)
        if shape is None or len(shape) == 0:
            raise ValueError(f"state[{i}] must be an array with the batch B on its first axis; got {type(s).__name__}")
        sizes.append(int(shape[0]))
    if len(set(sizes)) != 1 or sizes[0] == 0:
        raise ValueError(f"state arrays must share a non-zero first axis B; got first axes {sizes}")
    return tuple(state), sizes[0]


def _take_rows(state, rows):
    """Select (and repeat) rows of every state array: numpy by fancy indexing, torch via torch.as_tensor."""
    out = []
    for s in state:
        if isinstance(s, np.ndarray):
            out.append(s[rows])
        else:
            import torch  # only reached for torch states

            out.append(s[torch.as_tensor(rows, device=s.device)])
    return tuple(out)


def _call(step, tokens, state, B):
    """One step with checks: returns (log-probabilities or logits (B, V) float64, new state)."""
    result = step(tokens, state)
    if not isinstance(result, tuple) or len(result) != 2:
        raise ValueError(f"step must return a pair (logits, state); got {type(result).__name__}")
    logits = check_array("logits returned by step", _to_numpy(result[0]), (B, "V"))
    new_state, B_new = _check_state(result[1])
    if B_new != B:
        raise ValueError(f"state returned by step must keep the batch B = {B} on its first axis; got {B_new}")
    return logits, new_state


def _check_common(step, state, start_token, max_len, end_token):
    if not callable(step):
        raise ValueError(f"step must be a callable step(tokens, state) -> (logits, state); got {type(step).__name__}")
    state, B = _check_state(state)
    start_token = check_index("start_token", start_token)
    max_len = check_positive_int("max_len", max_len)
    if end_token is not None:
        end_token = check_index("end_token", end_token)
    return state, B, start_token, max_len, end_token


def _decode(step, state, start_token, max_len, end_token, choose):
    """The loop shared by greedy and sampling: choose(logits) -> (B,) tokens; finished rows keep end_token."""
    state, B, start_token, max_len, end_token = _check_common(step, state, start_token, max_len, end_token)
    fill = 0 if end_token is None else end_token
    out = np.full((B, max_len), fill, dtype=np.int64)  # (B, max_len)
    tokens = np.full(B, start_token, dtype=np.int64)  # (B,)
    done = np.zeros(B, dtype=bool)
    for t in range(max_len):
        logits, state = _call(step, tokens, state, B)
        if t == 0:
            check_index("start_token", start_token, logits.shape[1])
            if end_token is not None:
                check_index("end_token", end_token, logits.shape[1])
        tokens = choose(logits)
        if end_token is not None:
            tokens[done] = end_token
            done |= tokens == end_token
        out[:, t] = tokens
        if done.all():  # every row has ended: the rest is already end_token padding
            break
    return out


def greedy_decode(step, state, start_token, max_len, end_token=None):
    """Decode B sequences by taking the most probable token at every step.

    Inputs: step, state (B rows), start_token: int fed first, max_len: tokens to produce,
    end_token: optional int; once a row produces it, the rest of that row is end_token.
    Returns: (B, max_len) int64 array of generated tokens.
    """
    return _decode(step, state, start_token, max_len, end_token, lambda z: z.argmax(axis=1))


def sample_decode(step, state, start_token, max_len, temperature=1.0, rng=None, end_token=None):
    """Decode B sequences by sampling each token from softmax(logits / temperature).

    Inputs: as greedy_decode, plus temperature > 0 (below 1 sharpens the distribution, above 1
    flattens it; the limit 0 is greedy_decode) and rng: np.random.Generator, seed or None.
    Returns: (B, max_len) int64 array of generated tokens.
    """
    temperature = check_number("temperature", temperature, 0, low_open=True)
    rng = check_rng("rng", rng)

    def choose(logits):
        logp = log_softmax(logits / temperature)  # (B, V)
        cdf = np.cumsum(np.exp(logp), axis=1)  # (B, V)
        u = rng.random(len(cdf)) * cdf[:, -1]  # scaled by the total, so rounding cannot run off the end
        return np.minimum((cdf <= u[:, None]).sum(axis=1), cdf.shape[1] - 1)

    return _decode(step, state, start_token, max_len, end_token, choose)


def beam_search(step, state, start_token, max_len, end_token, beam_width=3, alpha=0.7):
    """Beam search for one item: the beam_width best token sequences by length-normalized log-probability.

    At every step each live prefix is extended by every token; the beam_width most probable
    extensions are kept (their state rows reordered by parent beam). Extensions that end with
    end_token are set aside as finished, so the beam can shrink; prefixes still alive after max_len
    tokens are finished as they are. With beam_width = 1 this is greedy decoding; with
    beam_width >= V ** max_len it enumerates every sequence.

    Inputs: step, state (first axis 1), start_token, max_len, end_token (int),
    beam_width: positive int, alpha >= 0: the length-normalization exponent.
    Returns: list of at most beam_width tuples (tokens: list[int] including the final end_token if
    produced, logprob: float, score: float = logprob / len(tokens) ** alpha), best score first.
    """
    if end_token is None:
        raise ValueError("end_token must be an integer index for beam_search; got None")
    state, B, start_token, max_len, end_token = _check_common(step, state, start_token, max_len, end_token)
    if B != 1:
        raise ValueError(f"state must describe one item (first axis 1) for beam_search; got first axis {B}")
    beam_width = check_positive_int("beam_width", beam_width)
    alpha = check_number("alpha", alpha, 0)
    prefixes, logprobs = [[]], np.zeros(1)  # live beams: token lists and their log-probabilities (K,)
    tokens = np.array([start_token], dtype=np.int64)
    finished = []
    for t in range(max_len):
        logits, state = _call(step, tokens, state, len(prefixes))
        V = logits.shape[1]
        if t == 0:
            check_index("start_token", start_token, V)
            check_index("end_token", end_token, V)
        total = (logprobs[:, None] + log_softmax(logits)).ravel()  # (K * V,) log P(prefix + token)
        best = np.argsort(-total, kind="stable")[:beam_width]  # ties: lower beam, then lower token
        parents, words = best // V, best % V
        live = words != end_token
        for parent, word, lp in zip(parents[~live], words[~live], total[best][~live]):
            finished.append((prefixes[parent] + [int(word)], float(lp)))
        if not live.any():
            break
        prefixes = [prefixes[p] + [int(w)] for p, w in zip(parents[live], words[live])]
        logprobs = total[best][live]
        tokens = words[live].astype(np.int64)
        state = _take_rows(state, parents[live])
    else:
        finished.extend((p, float(lp)) for p, lp in zip(prefixes, logprobs))
    scored = [(toks, lp, lp / len(toks) ** alpha) for toks, lp in finished]
    scored.sort(key=lambda r: -r[2])  # stable: equal scores keep the order they were found in
    return scored[:beam_width]
