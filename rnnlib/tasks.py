"""Synthetic sequence tasks and one training loop that works for torch.nn.RNN, nn.LSTM and nn.GRU.

The long-range memory task: read a symbol, then `gap` distractor symbols, then a recall cue; at the
cue, output the first symbol. Nothing in between helps, so the gradient that teaches the network to
keep the symbol must travel back `gap + 1` steps. Chance accuracy is 1 / n_symbols.

    sequence:  s  d d d ... d  ?        (length gap + 2)
    target:    s                        (one class in [0, n_symbols))
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_number, check_positive_int, check_rng
from .progress import progress as progress_bar
from .seed import torch_seed
from .threads import torch_threads

__all__ = [
    "MemoryTask",
    "memory_task_batch",
    "sequence_classifier",
    "initial_classifier",
    "accuracy_vs_gap",
    "GapSweep",
    "sweep_gaps",
    "TrainResult",
    "ClassifierRecord",
    "train_sequence_classifier",
]


class MemoryTask(NamedTuple):
    """The recall-the-first-symbol task.

    Token ids: 0 .. n_symbols-1 are the symbols to remember, the next n_distractors ids are
    distractors, and the last id (vocab_size - 1) is the recall cue.
    """

    gap: int  # number of distractors between the symbol and the cue (L)
    n_symbols: int = 4
    n_distractors: int = 4

    @property
    def vocab_size(self):
        return self.n_symbols + self.n_distractors + 1

    @property
    def n_classes(self):
        return self.n_symbols

    @property
    def chance(self):
        return 1.0 / self.n_symbols


def memory_task_batch(task, N, rng):
    """Sample N sequences of the memory task.

    Inputs: task (MemoryTask), N (batch size), rng (np.random.Generator, an int seed or None).
    Returns:
    - idx: (N, T) int64 token ids, T = task.gap + 2.
    - y: (N,) int64 targets, the first token of each sequence.
    """
    if not isinstance(task, MemoryTask):
        raise ValueError(f"task must be a MemoryTask, e.g. MemoryTask(gap=10); got {type(task).__name__}")
    if isinstance(task.gap, bool) or not isinstance(task.gap, (int, np.integer)) or task.gap < 0:
        raise ValueError(f"task.gap must be a non-negative integer; got {task.gap!r}")
    check_positive_int("task.n_symbols", task.n_symbols)
    check_positive_int("task.n_distractors", task.n_distractors)
    N = check_positive_int("N", N)
    rng = check_rng("rng", rng)
    y = rng.integers(0, task.n_symbols, N)  # (N,)
    distractors = rng.integers(task.n_symbols, task.n_symbols + task.n_distractors, (N, task.gap))  # (N, L)
    cue = np.full((N, 1), task.vocab_size - 1)  # (N, 1)
    idx = np.concatenate([y[:, None], distractors, cue], axis=1).astype(np.int64)  # (N, L + 2)
    return idx, y.astype(np.int64)


def _torch():
    import torch

    return torch


_MODEL_CLASS = None


def _model_class():
    """The torch module class, built on first use so that importing rnnlib never imports torch."""
    global _MODEL_CLASS
    if _MODEL_CLASS is None:
        torch = _torch()

        class RecurrentClassifier(torch.nn.Module):
            """One-hot tokens -> recurrent layer -> linear head on the last step's output."""

            def __init__(self, rnn_class, vocab_size, hidden_size, n_classes):
                super().__init__()
                self.vocab_size = vocab_size
                self.rnn = rnn_class(vocab_size, hidden_size, batch_first=True)
                self.head = torch.nn.Linear(hidden_size, n_classes)

            def forward(self, idx):  # idx: (N, T) int64
                x = torch.nn.functional.one_hot(idx, self.vocab_size).to(self.head.weight.dtype)  # (N, T, V)
                out, _ = self.rnn(x)  # (N, T, H): the same for RNN, LSTM and GRU
                return self.head(out[:, -1])  # (N, C) logits

            def forward_keeping_first_state(self, idx):
                """The same logits, computed as step 1 then steps 2..T from its state, which is returned.

                Returns (logits (N, C), state after step 1): a tensor (1, N, H) for RNN/GRU, a tuple
                (h_1, c_1) for LSTM, with retain_grad() set so that backward() fills their .grad.
                """
                x = torch.nn.functional.one_hot(idx, self.vocab_size).to(self.head.weight.dtype)  # (N, T, V)
                _, state = self.rnn(x[:, :1])  # the state after reading the symbol to remember
                for s in state if isinstance(state, tuple) else (state,):
                    s.retain_grad()
                out, _ = self.rnn(x[:, 1:], state)  # (N, T - 1, H)
                return self.head(out[:, -1]), state

        _MODEL_CLASS = RecurrentClassifier
    return _MODEL_CLASS


def sequence_classifier(rnn_class, vocab_size, hidden_size, n_classes):
    """A torch module: one-hot tokens -> rnn_class layer -> linear head on the last output.

    Inputs: rnn_class, any callable rnn_class(input_size, hidden_size, batch_first=True) returning
    a module whose forward(x, state=None) gives (output (N, T, H), state) and accepts the state it
    returned as its second argument (training starts steps 2..T from the state after step 1, to
    record dL/dh_1): torch.nn.RNN, torch.nn.LSTM,
    torch.nn.GRU, or e.g. functools.partial(torch.nn.RNN, nonlinearity="relu"); vocab_size (V),
    hidden_size (H), n_classes (C).
    Returns: torch.nn.Module mapping idx (N, T) int64 to logits (N, C).
    """
    return _model_class()(rnn_class, check_positive_int("vocab_size", vocab_size),
                          check_positive_int("hidden_size", hidden_size), check_positive_int("n_classes", n_classes))


def initial_classifier(rnn_class, task, *, hidden_size=32, rng=0):
    """The model train_sequence_classifier starts from for this rng, before any training step.

    Inputs: rnn_class, task (MemoryTask); keyword-only: hidden_size (H), rng (an int seed: the same
    number train_sequence_classifier and sweep_gaps use).
    Returns: torch.nn.Module (sequence_classifier) with torch's default initialization for that seed.
    """
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise ValueError(f"rng must be an int seed (as in sweep_gaps); got {rng!r}")
    memory_task_batch(task, 1, np.random.default_rng(0))  # validates task
    torch = _torch()
    torch.manual_seed(torch_seed(int(rng)))
    return sequence_classifier(rnn_class, task.vocab_size, check_positive_int("hidden_size", hidden_size),
                               task.n_classes)


class TrainResult(NamedTuple):
    model: object  # the trained torch.nn.Module
    losses: np.ndarray  # (steps,) training loss per step
    grad_norms: np.ndarray  # (steps,) global gradient norm per step, before clipping
    accuracy: float  # on a fixed held-out batch
    chance: float
    first_state_grad_norms: np.ndarray = None  # (steps,) ||dL/dh_1|| per step (LSTM: h_1 and c_1 together)


class ClassifierRecord(NamedTuple):
    """What train_sequence_classifier hands its callback after each step."""

    step: int  # 0 .. steps-1
    loss: float  # training loss of this step's batch (nats)
    grad_norm: float  # global gradient norm, before clipping
    first_state_grad_norm: float  # ||dL/dh_1|| (LSTM: h_1 and c_1 together)


def train_sequence_classifier(rnn_class, task, *, steps=200, lr=1e-2, batch_size=32, hidden_size=32, rng=0,
                              max_norm=1.0, eval_size=1000, eval_seed=12345, progress=True, callback=None):
    """Train sequence_classifier(rnn_class, ...) on `task` with Adam for a fixed number of steps.

    Deterministic for a given rng: torch.manual_seed(rnnlib.seed.torch_seed(rng)) for the weights,
    check_rng(rng) for the training batches (an int seed gives both from the same number), a separate
    default_rng(eval_seed) for the held-out batch, and one torch thread while training
    (`with torch_threads(1)`: the previous count is restored). Gradients are clipped by global norm at
    max_norm (None: no clipping).
    Inputs: rnn_class (torch.nn.RNN / LSTM / GRU), task (MemoryTask); keyword-only: steps, lr,
    batch_size, hidden_size (H), rng (np.random.Generator, an int seed or None), max_norm, eval_size,
    eval_seed, progress (a progress bar over the steps; off when TQDM_DISABLE is set), callback
    (called as callback(record) with a ClassifierRecord after every step).
    Every step also records ||dL/dh_1||, the gradient of the loss with respect to the state after the
    first token (the symbol to remember): the signal that must travel back gap + 1 steps.
    Returns: TrainResult. Raises FloatingPointError naming the step, the loss and lr if the loss is
    not finite.
    """
    torch = _torch()
    hidden_size = check_positive_int("hidden_size", hidden_size)
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    lr = check_number("lr", lr, 0, low_open=True)
    if max_norm is not None:
        max_norm = check_number("max_norm", max_norm, 0, low_open=True)
    seed = torch_seed(rng)  # before check_rng: a Generator gives torch its next number first
    rng = check_rng("rng", rng)
    memory_task_batch(task, 1, np.random.default_rng(0))  # validates task before any work
    with torch_threads(1):
        model = initial_classifier(rnn_class, task, hidden_size=hidden_size, rng=seed)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        losses, norms, first = np.empty(steps), np.empty(steps), np.empty(steps)
        for step in progress_bar(range(steps), desc="training", unit="step", enabled=progress):
            idx, y = memory_task_batch(task, batch_size, rng)
            logits, state = model.forward_keeping_first_state(torch.from_numpy(idx))
            loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"loss became {loss.item()} at step {step} (lr={lr}, max_norm={max_norm}); "
                    "lower lr or clip gradients"
                )
            opt.zero_grad()
            loss.backward()
            grads = [p.grad for p in model.parameters() if p.grad is not None]
            norms[step] = float(torch.sqrt(sum((g * g).sum() for g in grads)))
            first[step] = float(torch.sqrt(sum((s.grad * s.grad).sum() for s in
                                               (state if isinstance(state, tuple) else (state,)))))
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            opt.step()
            losses[step] = loss.item()
            if callback is not None:
                callback(ClassifierRecord(step, losses[step], norms[step], first[step]))
        idx, y = memory_task_batch(task, eval_size, np.random.default_rng(eval_seed))
        with torch.no_grad():
            pred = model(torch.from_numpy(idx)).argmax(dim=1).numpy()
    return TrainResult(model, losses, norms, float(np.mean(pred == y)), task.chance, first)


def accuracy_vs_gap(rnn_class, gaps, n_symbols=4, n_distractors=4, *, progress=True, **train_kwargs):
    """Train one fresh model per gap L with train_sequence_classifier; the same rng (default 0) for each.

    Inputs: rnn_class, gaps (iterable of ints), task sizes, progress, train_kwargs for
    train_sequence_classifier (steps, lr, batch_size, hidden_size, rng, ...).
    Returns: dict gap -> TrainResult, in the order of gaps. With progress, a bar over the gaps
    (rnnlib.progress; off when TQDM_DISABLE is set).
    """
    return {int(L): train_sequence_classifier(rnn_class, MemoryTask(int(L), n_symbols, n_distractors),
                                              progress=False, **train_kwargs)
            for L in progress_bar(list(gaps), desc="gaps", unit="gap", enabled=progress)}


class GapSweep(NamedTuple):
    gaps: np.ndarray  # (G,) the gaps L, in the order given
    seeds: np.ndarray  # (S,) the seeds
    accuracy: np.ndarray  # (G, S) held-out accuracy of each run
    final_loss: np.ndarray  # (G, S) mean training loss over the last 10% of the steps
    first_state_grad: np.ndarray  # (G, S) median ||dL/dh_1|| over the first 10% of the steps
    chance: float
    grad_norm: np.ndarray = None  # (G, S) median global gradient norm (all parameters) over the first 10%


def sweep_gaps(rnn_class, gaps, seeds, n_symbols=4, n_distractors=4, *, progress=True, **train_kwargs):
    """Train one model per (gap, seed) with train_sequence_classifier (rng=seed) and collect the summaries.

    Inputs: rnn_class, gaps (iterable of ints), seeds (iterable of ints), task sizes, progress (a bar
    over the runs), train_kwargs for train_sequence_classifier (anything but rng).
    Returns: GapSweep with (G, S) arrays, row i for gaps[i], column j for seeds[j]. The gradient
    summaries (||dL/dh_1|| and the global norm) are taken at the start of training, before the model
    has learned (or failed) anything.
    """
    for name in ("rng", "seed"):
        if name in train_kwargs:
            raise ValueError(f"sweep_gaps takes seeds (a list), not {name}; got {name}={train_kwargs[name]!r}")
    gaps, seeds = [int(L) for L in gaps], [int(s) for s in seeds]
    if not gaps or not seeds:
        raise ValueError(f"gaps and seeds must be non-empty; got {len(gaps)} gaps and {len(seeds)} seeds")
    acc, loss, first, norm = (np.empty((len(gaps), len(seeds))) for _ in range(4))
    runs = [(i, j) for i in range(len(gaps)) for j in range(len(seeds))]
    for i, j in progress_bar(runs, desc="runs", unit="run", enabled=progress):
        r = train_sequence_classifier(rnn_class, MemoryTask(gaps[i], n_symbols, n_distractors),
                                      rng=seeds[j], progress=False, **train_kwargs)
        tenth = max(1, len(r.losses) // 10)
        acc[i, j], loss[i, j] = r.accuracy, r.losses[-tenth:].mean()
        first[i, j] = np.median(r.first_state_grad_norms[:tenth])
        norm[i, j] = np.median(r.grad_norms[:tenth])
    return GapSweep(np.array(gaps), np.array(seeds), acc, loss, first, 1.0 / n_symbols, norm)
