"""A character-level LSTM in torch (float32, CPU): the model, its validation loss, checkpoints and sampling.

The model is embedding -> torch.nn.LSTM (fused, batch-first, gates i, f, g, o) -> linear scores:

    x_t = E[c_t]  (D,);   h_t, c_t = LSTM(x_t, h_{t-1}, c_{t-1})  (H,);   z_t = W_hy h_t + b_y  (V,)

Public pieces (the notebook uses these):
- `CharLSTM(vocab_size, *, embed_size, hidden_size, layers)`: `model(idx, state) -> (logits (N, T, V), state)`
  and `model.step(tokens (N,), state) -> (logits (N, V), state)`; `model.config` is the dict of those arguments.
- `evaluate_nats(model, data, streams=16)`: mean cross-entropy in nats/char over every target of an
  index sequence, read as parallel streams with the state carried from chunk to chunk (no gradients);
  the same function as rnnlib.charlm.evaluate_nats.
- `save_checkpoint(path, model, vocab, meta=None)` / `load_checkpoint(path=None)` -> (model, vocab, meta):
  rnnlib.checkpoint's format, kind "charlstm", float16 weights; `CHECKPOINT` is the shipped one in assets/.
- `sample(model, vocab, n, seed_text="\n", temperature=1.0, greedy=False, rng=0)`: generated text, decoded
  by rnnlib.decoding through `charlstm_step_fn(model)` (state (h, c) as (B, L, H) each) and `read_seed`.

Train it with `python -m rnnlib.charlstm --text PATH --seconds 100` (rnnlib.charlstm.cli) or with
rnnlib.charlstm.training.train_charlstm.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validate import check_index, check_positive_int, check_temperature
from ..checkpoint import read_checkpoint, write_checkpoint
from ..text import Vocabulary, mean_over_streams

__all__ = ["CHECKPOINT", "KIND", "CharLSTM", "as_index_tensor", "charlstm_step_fn", "evaluate_nats", "load_checkpoint",
           "read_seed", "sample", "save_checkpoint"]

CHECKPOINT = "charlstm_plays.pt"  # in assets/: rnnlib.paths.asset_path(CHECKPOINT)
KIND = "charlstm"  # the kind rnnlib.checkpoint stores


class CharLSTM(nn.Module):
    """Embedding (V, D) -> `layers` stacked LSTM layers of `hidden_size` units -> linear scores (V).

    Inputs: vocab_size V, then keyword-only embed_size D, hidden_size H, layers L.
    The state is torch.nn.LSTM's pair (h, c), each (L, N, H); None means zeros.
    `config` is the dict of the constructor's arguments (what a checkpoint stores): CharLSTM(**model.config)
    builds the same architecture.
    """

    def __init__(self, vocab_size, *, embed_size=64, hidden_size=512, layers=1):
        super().__init__()
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        self.embed_size = check_positive_int("embed_size", embed_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.layers = check_positive_int("layers", layers)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    @property
    def config(self):
        """The constructor's arguments as a dict (stored in checkpoints)."""
        return {"vocab_size": self.vocab_size, "embed_size": self.embed_size, "hidden_size": self.hidden_size,
                "layers": self.layers}

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
def evaluate_nats(model, data, streams=16, *, chunk=256):
    """Mean cross-entropy (nats per character) of predicting data[1:] from data[:-1], every target.

    The L - 1 targets are read as `streams` contiguous streams of S = (L - 1) // streams targets
    (fewer streams when the text is shorter), each read in chunks of `chunk` characters with the
    LSTM state carried across chunks, as at training time; the remainder, fewer than `streams`
    targets, is read as one more stream starting where the others stopped. So every target is
    scored once; chunk only bounds the memory. Float32, no gradients. The same function as
    rnnlib.charlm.evaluate_nats.
    Inputs: model (CharLSTM), data (L,) int indices in [0, V), L >= 2; streams, chunk positive ints.
    Returns: float, the mean over all L - 1 predictions.
    """
    data = as_index_tensor("data", data, model.vocab_size)
    streams, chunk = check_positive_int("streams", streams), check_positive_int("chunk", chunk)
    was_training = model.training
    model.eval()
    mean = mean_over_streams(data, streams, lambda segment, N, S: _stream_loss(model, segment, N, S, chunk))
    model.train(was_training)
    return mean


def _stream_loss(model, data, N, S, chunk):
    """Summed loss over N streams of S targets each from data (N*S + 1,)."""
    x = torch.stack([data[i * S: i * S + S] for i in range(N)])  # (N, S)
    y = torch.stack([data[i * S + 1: i * S + S + 1] for i in range(N)])  # (N, S)
    total, state = 0.0, None
    for t in range(0, S, chunk):
        logits, state = model(x[:, t:t + chunk], state)  # (N, T, V)
        total += nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), y[:, t:t + chunk].reshape(-1),
                                             reduction="sum").item()
    return total


def save_checkpoint(path, model, vocab, meta=None):
    """Write model (float16 weights), its vocabulary and meta to path with rnnlib.checkpoint (kind "charlstm").

    Inputs: path, model (CharLSTM), vocab (its rnnlib.text.Vocabulary), meta (a dict of plain values,
    e.g. how it was trained; None: {}). Loadable with torch.load(weights_only=True). Returns: the path.
    """
    if not isinstance(model, CharLSTM):
        raise ValueError(f"model must be a CharLSTM; got {type(model).__name__}")
    if len(vocab) != model.vocab_size:
        raise ValueError(f"vocab must have V = {model.vocab_size} symbols; got {len(vocab)}")
    meta = {} if meta is None else meta
    if not isinstance(meta, dict):
        raise ValueError(f"meta must be a dict of plain values or None; got {type(meta).__name__}")
    return write_checkpoint(path, model, KIND, extra={"symbols": list(vocab.symbols), "meta": dict(meta)},
                            dtype="float16")


def load_checkpoint(path=None):
    """Load a checkpoint written by save_checkpoint (default: the shipped assets/charlstm_plays.pt).

    Read by rnnlib.checkpoint.read_checkpoint (torch.load(..., weights_only=True): plain tensors, ints and
    strings, no pickled code); the float16 weights are converted to float32. A checkpoint of another
    kind (e.g. a captioner) is rejected with a ValueError naming the path and its kind.
    Returns: (model, vocab, meta): a CharLSTM in eval mode, the rnnlib.text.Vocabulary it was trained
    with, and the meta dict saved with it ({} when none).
    """
    from ..paths import asset_path

    ckpt = read_checkpoint(asset_path(CHECKPOINT) if path is None else path, (KIND,))
    model = CharLSTM(**ckpt.config)
    model.load_state_dict(ckpt.state)
    return model.eval(), Vocabulary(order=ckpt.extra["symbols"]), dict(ckpt.extra.get("meta", {}))


def charlstm_step_fn(model, batch_size=1):
    """The model as rnnlib.decoding sees it: (step, initial_state).

    step(tokens (B,), state) -> (logits (B, V), state). rnnlib.decoding wants the batch on the first
    axis of every state array, so the state is the LSTM's pair (h, c) with axes swapped to (B, L, H)
    each; initial_state is that pair of zeros for batch_size rows. Float32, no gradients.
    """
    batch_size = check_positive_int("batch_size", batch_size)

    @torch.inference_mode()
    def step(tokens, state):
        h, c = (torch.as_tensor(s).transpose(0, 1).contiguous() for s in state)  # (L, B, H) each
        logits, (h, c) = model.step(torch.as_tensor(np.asarray(tokens, dtype=np.int64)), (h, c))
        return logits, (h.transpose(0, 1), c.transpose(0, 1))

    zeros = torch.zeros(batch_size, model.layers, model.hidden_size)  # (B, L, H)
    return step, (zeros, zeros.clone())


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


def sample(model, vocab, n, seed_text="\n", temperature=1.0, greedy=False, rng=0):
    """Generate n characters after reading seed_text (from a zero state), with rnnlib.decoding.

    Each step draws the next character from softmax(z / temperature) (greedy: its argmax) and feeds
    it back in. rng: np.random.Generator, an int seed (default 0: reproducible) or None (fresh).
    The same signature and defaults as rnnlib.charlm.sample.
    Returns: the n generated characters (str, without the seed).
    """
    from ..decoding import greedy_decode, sample_decode

    n = check_index("n", n)
    temperature = check_temperature(temperature)
    state, start = read_seed(model, vocab, seed_text)
    if n == 0:
        return ""
    was_training = model.training
    model.eval()
    step, _ = charlstm_step_fn(model)
    if greedy:
        out = greedy_decode(step, state, start, n)
    else:
        out = sample_decode(step, state, start, n, temperature, rng=rng)
    model.train(was_training)
    return vocab.decode(out[0])
