"""A character-level LSTM in torch (float32, CPU): the model, its validation loss, checkpoints and sampling.

The model is embedding -> torch.nn.LSTM (fused, batch-first, gates i, f, g, o) -> linear scores:

    x_t = E[c_t]  (D,);   h_t, c_t = LSTM(x_t, h_{t-1}, c_{t-1})  (H,);   z_t = W_hy h_t + b_y  (V,)

Public pieces (the notebook uses these):
- `CharLSTM(V, hidden_size, layers, embed_size)`: `model(idx, state) -> (logits (N, T, V), state)` and
  `model.step(tokens (N,), state) -> (logits (N, V), state)` for decoding one character at a time.
- `evaluate_nats(model, data)`: mean cross-entropy in nats/char over a whole index sequence, read as
  parallel streams with the state carried from chunk to chunk (no gradients).
- `save_checkpoint(path, model, vocab)` / `load_checkpoint(path)` -> (model, vocab): float16 weights,
  loaded with `torch.load(..., weights_only=True)`; `CHECKPOINT` is the shipped one in assets/.
- `sample(model, vocab, n, seed_text, temperature, greedy, rng)`: generated text, decoded by
  rnnlib.decoding through `decoding_step(model)` (state (h, c) as (B, L, H) each) and `read_seed`.

Train it with `python -m rnnlib.charlstm --text PATH --seconds 100` (rnnlib.charlstm.cli) or with
rnnlib.charlstm.training.train_charlstm.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .._validate import check_positive_int
from ..text import Vocabulary

__all__ = ["CHECKPOINT", "CharLSTM", "as_index_tensor", "decoding_step", "evaluate_nats", "load_checkpoint", "read_seed", "sample",
           "save_checkpoint"]

CHECKPOINT = "charlstm_plays.pt"  # in assets/: rnnlib.paths.asset_path(CHECKPOINT)
FORMAT = "rnnlib.charlstm/1"


class CharLSTM(nn.Module):
    """Embedding (V, D) -> `layers` stacked LSTM layers of `hidden_size` units -> linear scores (V).

    Inputs: V vocabulary size, hidden_size H, layers L, embed_size D.
    The state is torch.nn.LSTM's pair (h, c), each (L, N, H); None means zeros.
    """

    def __init__(self, V, hidden_size=512, layers=1, embed_size=64):
        super().__init__()
        self.V, self.hidden_size = check_positive_int("V", V), check_positive_int("hidden_size", hidden_size)
        self.layers, self.embed_size = check_positive_int("layers", layers), check_positive_int("embed_size", embed_size)
        self.embedding = nn.Embedding(V, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, layers, batch_first=True)
        self.head = nn.Linear(hidden_size, V)

    def config(self):
        """The constructor's arguments as a dict (stored in checkpoints)."""
        return {"V": self.V, "hidden_size": self.hidden_size, "layers": self.layers, "embed_size": self.embed_size}

    def forward(self, idx, state=None):
        """idx (N, T) int64 -> (logits (N, T, V), state ((L, N, H), (L, N, H)))."""
        out, state = self.lstm(self.embedding(idx), state)  # (N, T, H)
        return self.head(out), state

    def step(self, tokens, state=None):
        """One character per stream: tokens (N,) int64 -> (logits (N, V), state)."""
        logits, state = self.forward(tokens[:, None], state)
        return logits[:, 0], state


def as_index_tensor(name, data, V):
    data = torch.as_tensor(np.asarray(data))
    if data.ndim != 1 or data.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"{name} must be a 1-D integer array of indices; got dtype {data.dtype}, shape {tuple(data.shape)}")
    if len(data) < 2:
        raise ValueError(f"{name} must hold at least 2 indices (one input, one target); got {len(data)}")
    if data.min() < 0 or data.max() >= V:
        raise ValueError(f"{name} must hold indices in [0, V) = [0, {V}); got values in [{int(data.min())}, {int(data.max())}]")
    return data.long()


@torch.inference_mode()
def evaluate_nats(model, data, n_streams=64, chunk=256):
    """Mean cross-entropy (nats per character) of predicting data[1:] from data[:-1], all of it.

    The sequence is cut into n_streams contiguous streams (the remainder, fewer than n_streams
    targets, is read as one extra short stream), each read in chunks of `chunk` characters with the
    LSTM state carried across chunks, as at training time. Float32, no gradients.
    Inputs: model (CharLSTM), data (L,) int indices, n_streams, chunk.
    Returns: float, the mean over all L - 1 predictions.
    """
    data = as_index_tensor("data", data, model.V)
    n_streams, chunk = check_positive_int("n_streams", n_streams), check_positive_int("chunk", chunk)
    was_training = model.training
    model.eval()
    n = len(data) - 1
    N = max(1, min(n_streams, n))
    S = n // N
    total = _stream_loss(model, data[: N * S + 1], N, S, chunk)
    if N * S < n:  # the leftover tail, read as one stream starting where the streams stopped
        total += _stream_loss(model, data[N * S:], 1, n - N * S, chunk)
    model.train(was_training)
    return total / n


def _stream_loss(model, data, N, S, chunk):
    """Summed loss over N streams of S targets each from data (N*S + 1,)."""
    x = torch.stack([data[i * S: i * S + S] for i in range(N)])  # (N, S)
    y = torch.stack([data[i * S + 1: i * S + S + 1] for i in range(N)])  # (N, S)
    total, state = 0.0, None
    for t in range(0, S, chunk):
        logits, state = model(x[:, t:t + chunk], state)  # (N, T, V)
        total += nn.functional.cross_entropy(logits.reshape(-1, model.V), y[:, t:t + chunk].reshape(-1),
                                             reduction="sum").item()
    return total


def save_checkpoint(path, model, vocab):
    """Write model (float16 weights) and vocabulary to path, loadable with torch.load(weights_only=True)."""
    if len(vocab) != model.V:
        raise ValueError(f"vocab must have V = {model.V} symbols; got {len(vocab)}")
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "config": model.config(), "symbols": list(vocab.symbols), "state": state}, path)


def load_checkpoint(path=None):
    """Load a checkpoint written by save_checkpoint (default: the shipped assets/charlstm_plays.pt).

    Loaded with torch.load(..., weights_only=True): plain tensors, ints and strings, no pickled code.
    The float16 weights are converted to float32.
    Returns: (model, vocab): a CharLSTM in eval mode and the rnnlib.text.Vocabulary it was trained with.
    """
    from ..paths import asset_path

    path = asset_path(CHECKPOINT) if path is None else path
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ValueError(f"path must be a checkpoint file; got {str(path)!r}, which does not exist") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"path must be a checkpoint written by rnnlib.charlstm.model.save_checkpoint; got {str(path)!r}")
    model = CharLSTM(**ckpt["config"])
    model.load_state_dict({k: v.float() for k, v in ckpt["state"].items()})
    return model.eval(), Vocabulary(order=ckpt["symbols"])


def decoding_step(model):
    """The model as a step function for rnnlib.decoding: step(tokens (B,), state) -> (logits (B, V), state).

    rnnlib.decoding wants the batch on the first axis of every state array, so the state is the
    LSTM's pair (h, c) with axes swapped to (B, L, H) each. Float32, no gradients.
    """
    @torch.inference_mode()
    def step(tokens, state):
        h, c = (torch.as_tensor(s).transpose(0, 1).contiguous() for s in state)  # (L, B, H) each
        logits, (h, c) = model.step(torch.as_tensor(np.asarray(tokens, dtype=np.int64)), (h, c))
        return logits, (h.transpose(0, 1), c.transpose(0, 1))
    return step


@torch.inference_mode()
def read_seed(model, vocab, seed_text):
    """Feed seed_text[:-1] from a zero state; return (state for rnnlib.decoding, last seed character's index).

    The decoders of rnnlib.decoding start by feeding one token, here the seed's last character.
    """
    if not isinstance(seed_text, str) or not seed_text or any(c not in vocab.index for c in seed_text):
        raise ValueError(f"seed_text must be a non-empty string of characters in the vocabulary; got {seed_text!r}")
    zeros = torch.zeros(model.layers, 1, model.hidden_size)
    state = (zeros, zeros)
    if len(seed_text) > 1:
        _, state = model(torch.as_tensor(vocab.encode(seed_text[:-1]))[None], state)
    return tuple(s.transpose(0, 1) for s in state), vocab.index[seed_text[-1]]


def sample(model, vocab, n, seed_text="\n", temperature=1.0, greedy=False, rng=None):
    """Generate n characters after reading seed_text (from a zero state), with rnnlib.decoding.

    Each step draws the next character from softmax(z / temperature) (greedy: its argmax) and feeds
    it back in. rng: np.random.Generator or seed, for reproducible samples.
    Returns: the n generated characters (str, without the seed).
    """
    from ..decoding import greedy_decode, sample_decode

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer number of characters; got {n!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0 (greedy=True for the limit 0); got {temperature!r}")
    state, start = read_seed(model, vocab, seed_text)
    if n == 0:
        return ""
    was_training = model.training
    model.eval()
    step = decoding_step(model)
    if greedy:
        out = greedy_decode(step, state, start, int(n))
    else:
        out = sample_decode(step, state, start, int(n), temperature, rng=rng)
    model.train(was_training)
    return vocab.decode(out[0])

