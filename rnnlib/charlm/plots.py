"""Figures for character models: one forward pass step by step, loss curves, temperature.

Plain functions that draw into a figure and return it (rnnlib.plotting's convention: draw_<what>(...,
fig=None) -> Figure; tested in tests/test_charlm_plots.py); the temperature widget in
rnnlib.charlm.widgets only wires a slider to temperature_sample_text.
"""
from __future__ import annotations

import numpy as np

from .model import charlm_forward, loss_report
from .sampling import next_char_probs, sample
from .._validate import check_temperature
from ..layers import affine_forward
from ..plotting import annotated_heatmap, figure_or_new

__all__ = ["char_label", "draw_char_steps", "draw_loss_curves", "draw_temperatures", "temperature_sample_text"]


def char_label(c):
    """A visible tick label for one character: '␣' for a space, escapes such as '\\n' for control characters."""
    return "\u2423" if c == " " else repr(c)[1:-1]


def draw_char_steps(params, vocab, text_in, text_out, fig=None):
    """The slides' picture of one forward pass: hidden states, scores, probabilities, losses.

    Inputs: charlm params, the Vocabulary, text_in (inputs, e.g. "hell") and text_out (targets,
    e.g. "ello"), same length T; fig: a Figure to draw into (None: a new one). Returns: the figure
    (4 panels, sized for a slide: 8.6 inches wide, every label at least 9 pt); each column is one time
    step, labelled with the character read (the one-hot input picks that column of W_xh), and the
    target of each step is outlined on the probabilities.
    """
    from matplotlib.patches import Rectangle

    if len(text_in) != len(text_out):
        raise ValueError(f"text_out must have the length of text_in = {len(text_in)}; got {len(text_out)}")
    x, y = vocab.encode(text_in), vocab.encode(text_out)
    H = params["W_hh"].shape[0]
    _, cache = charlm_forward(params, x[None], y[None], np.zeros((1, H), dtype=params["W_hh"].dtype))
    h = cache.hs[:, 0].T  # (H, T)
    probs = cache.probs.T  # (V, T)
    logits = affine_forward(cache.hs, params["W_hy"], params["b_y"])[0][:, 0].T  # (V, T)
    losses = -np.log(probs[y, np.arange(len(y))])  # (T,)
    steps = [f"'{c}'" for c in text_in]
    chars = [char_label(c) for c in vocab.symbols]
    fig = figure_or_new(fig, (8.6, 3.3))
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 1.15]})
    annotated_heatmap(axes[0], h, [f"unit {i + 1}" for i in range(H)], steps, "hidden $h_t$")
    annotated_heatmap(axes[1], logits, chars, steps, "scores $z_t$")
    annotated_heatmap(axes[2], probs, chars, steps, "$p_t$ (target boxed)", cmap="Greens", vmax=1.0)
    for t, j in enumerate(y):
        axes[2].add_patch(Rectangle((t - 0.5, j - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
    axes[3].bar(range(len(y)), losses, color="tab:red")
    for t, v in enumerate(losses):
        axes[3].text(t, v, f"{v:.2f}", ha="center", va="bottom", fontsize=9)
    axes[3].set_xticks(range(len(y)), [f"'{c}'" for c in text_out])
    axes[3].set_ylim(0, 1.2 * max(float(losses.max()), 1e-9))
    axes[3].set_title(f"loss (nats), mean {losses.mean():.2f}")
    axes[3].set_xlabel("target")
    for ax in axes[:3]:
        ax.set_xlabel("input")
    fig.suptitle(f"one forward pass over '{text_in}' -> '{text_out}'")
    fig.tight_layout()
    return fig


def draw_loss_curves(steps, train_nats, val_nats, title="loss per character", marks=(), fig=None):
    """Training and validation loss in bits per character against steps. Returns the figure.

    Both curves should come from the same evaluation (rnnlib.charlm.CharLMTrainResult's train_nats
    and val_nats: evaluate_nats() on a fixed training slice and on the validation text).

    Inputs: steps, train_nats, val_nats: equal-length sequences (losses in nats per character);
    marks: steps to mark with a dotted vertical line (e.g. where samples were taken); fig: a Figure
    to draw into (None: a new one).
    """
    if not len(steps) == len(train_nats) == len(val_nats):
        raise ValueError(f"train_nats and val_nats must have one entry per step ({len(steps)}); "
                         f"got {len(train_nats)} and {len(val_nats)}")
    fig = figure_or_new(fig, (6, 3.5))
    ax = fig.subplots()
    ax.plot(steps, [loss_report(v).bpc for v in train_nats], label="train (fixed slice)")
    ax.plot(steps, [loss_report(v).bpc for v in val_nats], label="validation (last 10%)")
    for i, step in enumerate(marks):
        ax.axvline(step, color="gray", linestyle=":", label="sample taken" if i == 0 else None)
    ax.set_xlabel("step")
    ax.set_ylabel("bits per character")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def draw_temperatures(params, vocab, seed_text, temperatures=(0.5, 1.0, 2.0), top=10, fig=None):
    """Bars of the next-character distribution after seed_text at several temperatures.

    fig: a Figure to draw into (None: a new one). Returns: the figure.
    """
    probs = {T: next_char_probs(params, vocab, seed_text, T) for T in temperatures}
    order = np.argsort(-probs[1.0 if 1.0 in probs else temperatures[0]])[:top]
    fig = figure_or_new(fig, (min(2.9 * len(temperatures), 8.6), 3))  # at most a slide's width: 9 pt labels stay legible
    axes = fig.subplots(1, len(temperatures), sharey=True)
    for ax, T in zip(np.atleast_1d(axes), temperatures):
        ax.bar(range(len(order)), probs[T][order])
        ax.set_xticks(range(len(order)), [char_label(vocab.symbols[i]) for i in order])
        ax.set_title(f"temperature {T:g}")
        ax.set_xlabel(f"next character (top {len(order)})")
    np.atleast_1d(axes)[0].set_ylabel("probability")
    fig.suptitle(f"p(next character | {seed_text[-20:]!r}) at different temperatures")
    fig.tight_layout()
    return fig


def temperature_sample_text(params, vocab, seed_text, temperature, n=200, seed=0):
    """The text behind the temperature widget: seed_text + n sampled characters.

    The generator is re-seeded with `seed` on every call, so one temperature always gives the
    same text and moving the slider changes only the temperature.
    """
    temperature = check_temperature(temperature)
    return seed_text + sample(params, vocab, n, seed_text, temperature, rng=np.random.default_rng(seed))
