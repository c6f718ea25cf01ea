"""Widgets driven by the student's own exercise function (homework, notebooks 02-06).

Each `*_panel(fn, value, fig)` is a plain function (unit tested): it runs rnnlib.checkers.explore's
computation with the student's fn and with rnnlib's reference, draws both into the matplotlib
Figure, and returns (True, a one-line summary). If fn raises (NotImplementedError in a released
notebook, or anything else), it draws nothing and returns (False, the one-line message), never a
traceback. beam_report and gates_from_answer do the same for text and for the gate inspector.
Each `*_widget(..., fn=None)` is a thin ipywidgets wrapper in the style of rnnlib.widgets (a slider,
a status line, a PNG); fn=None means rnnlib's reference.
"""
from __future__ import annotations

import html

import numpy as np

from . import explore as ae
from ..widgets import FULL_LABEL, explorer, image_widget, render_png

__all__ = ["YOURS", "RNNLIB", "OTHER", "FIGSIZES", "adagrad_panel", "adagrad_widget", "gradient_norms_panel",
           "bptt_norms_widget", "cliff_panel",
           "clip_widget", "gates_from_answer", "lstm_gate_widget", "beam_report", "beam_step_widget"]

FAILED = "#b22222"
# One colour and line per meaning, on every panel of every widget: the student's answer, rnnlib's reference,
# and anything else drawn for comparison. Yours is drawn first, rnnlib's dashed over it: where they agree
# both show.
YOURS = {"color": "C0", "linestyle": "-", "marker": "o", "ms": 3}  # blue, solid, dots
RNNLIB = {"color": "C3", "linestyle": "--", "marker": "x", "ms": 4}  # red, dashed, crosses
OTHER = {"color": "0.45", "linestyle": ":", "marker": ".", "ms": 3}  # grey, dotted
FONT = 10  # points: the smallest text of a widget's picture (figures at most 9 inches wide, slide-legible)
FIGSIZES = {"adagrad_panel": (9, 3.6), "gradient_norms_panel": (7, 3.6), "cliff_panel": (9, 3.8)}


def _paths_plot(ax, paths, styles):
    for (label, p), style in zip(paths.items(), styles):
        ax.plot(p[:, 0], p[:, 1], label=label, **style)


def _legible(fig):
    """Every text of the figure at least FONT points (tick labels, legends, titles, axis labels)."""
    for ax in fig.axes:
        ax.tick_params(labelsize=FONT)
        for text in [ax.title, ax.xaxis.label, ax.yaxis.label]:
            text.set_fontsize(max(text.get_fontsize(), FONT))
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_fontsize(max(text.get_fontsize(), FONT))
    fig.tight_layout()


def _yours_and_rnnlibs(name, compute, fn, reference, *args):
    """(yours, rnnlib's, None): compute(fn, *args) and compute(reference, *args); (None, None, message) if fn fails."""
    mine, failed = ae.attempt(name, compute, fn, *args)
    return (None, None, failed) if failed else (mine, compute(reference, *args), None)


def _verdict(subject, gap, tail="", plural=False):
    """'your <subject> matches (or differs from) rnnlib's (largest gap ...)'."""
    verb = ("match" if gap < 1e-8 else "differ from") if plural else ("matches" if gap < 1e-8 else "differs from")
    return f"your {subject} {verb} rnnlib's (largest gap {gap:.2g}{tail})"


# --- 02 --------------------------------------------------------------------------------------------
def adagrad_panel(fn, lr, fig, steps=60):
    """Your adagrad_step (fn) vs rnnlib's and plain gradient descent on the bowl 0.5*(w1² + 20 w2²), at this lr."""
    mine, ref, failed = _yours_and_rnnlibs("adagrad_step", ae.adagrad_path, fn, ae.reference_adagrad_step, lr, steps)
    if failed:
        return False, failed
    gd = [np.array([-3.0, 1.0])]
    for _ in range(steps):  # plain gradient descent, stopped once it leaves the picture
        gd.append(gd[-1] - lr * ae.BOWL * gd[-1])
        if np.abs(gd[-1]).max() > 10:
            break
    left, right = fig.subplots(1, 2)
    w1, w2 = np.meshgrid(np.linspace(-3.5, 3.5, 120), np.linspace(-1.5, 1.5, 80))
    left.contour(w1, w2, 0.5 * (w1**2 + 20 * w2**2), levels=12, colors="0.8", linewidths=0.7)
    _paths_plot(left, {"plain gradient descent": np.array(gd), "your adagrad_step": mine, "rnnlib's Adagrad": ref},
                [OTHER, YOURS, RNNLIB])
    left.set_xlim(-3.5, 3.5), left.set_ylim(-1.5, 1.5), left.set_xlabel("w1 (flat)"), left.set_ylabel("w2 (steep)")
    left.set_title(f"{steps} steps at lr = {lr:.2f}"), left.legend(fontsize=FONT, loc="upper right")
    for label, p, style in (("yours", mine, YOURS), ("rnnlib", ref, RNNLIB)):
        right.semilogy(np.maximum(ae.bowl_loss(p), 1e-30), label=label, **style)
    right.set_xlabel("step"), right.set_title("loss"), right.legend(fontsize=FONT)
    _legible(fig)
    gap = np.abs(mine - ref).max()
    return True, _verdict("path", gap)


# --- 03 --------------------------------------------------------------------------------------------
def gradient_norms_panel(fn, sigma, fig):
    """||dL/da_t|| per step from your my_rnn_backward (fn) vs rnnlib's, the loss on the last step only."""
    mine, ref, failed = _yours_and_rnnlibs("my_rnn_backward", ae.gradient_norms_per_step, fn,
                                           ae.reference_rnn_backward, sigma)
    if failed:
        return False, failed
    ax = fig.subplots()
    steps = np.arange(1, len(ref) + 1)
    ax.semilogy(steps, np.maximum(mine, 1e-30), label="your my_rnn_backward", **YOURS)
    ax.semilogy(steps, np.maximum(ref, 1e-30), label="rnnlib's rnn_backward", **RNNLIB)
    ax.set_xlabel("step t (the loss is on the last step)"), ax.set_ylabel("‖∂L/∂a_t‖")
    ax.set_title(f"the gradient reaching each step, W_hh = {sigma:.2f} · orthogonal"), ax.legend(fontsize=FONT)
    _legible(fig)
    gap = float(np.abs(mine - ref).max() / max(ref.max(), 1e-300))
    return True, _verdict("norms", gap, " of the largest norm", plural=True)


# --- 04 --------------------------------------------------------------------------------------------
def cliff_panel(fn, max_norm, fig):
    """Gradient descent down notebook 04's cliff, clipped by your clip_by_norm (fn) and by rnnlib's, at max_norm."""
    mine, ref, failed = _yours_and_rnnlibs("clip_by_norm", ae.clipped_descent, fn, ae.reference_clip, max_norm)
    if failed:
        return False, failed
    from ..clipping import one_unit_rnn_forward

    w, b = np.meshgrid(np.linspace(0, 4, 81), np.linspace(-2, 2, 81))
    left, right = fig.subplots(1, 2)
    # a light grey surface (darker: higher loss), so that both paths keep their colours on it
    left.contourf(w, b, one_unit_rnn_forward(w, b, **ae.CLIFF)[0], levels=20, cmap="Greys", alpha=0.55)
    _paths_plot(left, {"clipped by your clip_by_norm": mine.theta, "clipped by rnnlib": ref.theta}, [YOURS, RNNLIB])
    left.set_xlim(0, 4), left.set_ylim(-2, 2), left.set_xlabel("w"), left.set_ylabel("b")
    left.set_title(f"the cliff, max_norm = {max_norm:.2f}"), left.legend(fontsize=FONT, loc="lower left")
    right.plot(mine.loss, label="yours", **YOURS), right.plot(ref.loss, label="rnnlib", **RNNLIB)
    right.set_xlabel("step"), right.set_title("loss"), right.legend(fontsize=FONT)
    _legible(fig)
    jump = np.linalg.norm(np.diff(mine.theta, axis=0), axis=1).max()
    return True, f"largest step of your path {jump:.3f} (lr · max_norm = {0.2 * max_norm:.3f}); final loss {mine.loss[-1]:.4f}, rnnlib's {ref.loss[-1]:.4f}"


# --- the picture widget shared by 02, 03, 04 --------------------------------------------------------
def _picture_widget(panel, fn, slider, figsize, what):
    import ipywidgets as widgets

    status, image = widgets.HTML(value=""), image_widget(figsize)

    def redraw(_change=None):
        said = []
        png = render_png(lambda fig: said.extend(panel(fn, slider.value, fig)), figsize)
        ok, line = said
        image.value = png if ok else b""
        image.layout.display = None if ok else "none"
        status.value = f"<span style='color:{'inherit' if ok else FAILED}'>{html.escape(line)}</span>"

    slider.observe(redraw, names="value")
    redraw()
    return explorer([slider, status, image], what)


def adagrad_widget(fn=None, lr=0.5):
    """A learning-rate slider; your adagrad_step (fn; None: rnnlib's) runs 60 steps on a bowl (adagrad_panel)."""
    import ipywidgets as widgets

    slider = widgets.FloatSlider(value=lr, min=0.05, max=2.0, step=0.05, description="learning rate", style=FULL_LABEL)
    return _picture_widget(adagrad_panel, fn or ae.reference_adagrad_step, slider, FIGSIZES["adagrad_panel"],
                           "your adagrad_step on a bowl, with a learning-rate slider")


def bptt_norms_widget(fn=None, sigma=1.0):
    """A σ slider (W_hh = σ · orthogonal); your my_rnn_backward (fn) gives the gradient at each step (gradient_norms_panel)."""
    import ipywidgets as widgets

    slider = widgets.FloatSlider(value=sigma, min=0.25, max=3.0, step=0.05, description="σ of W_hh", style=FULL_LABEL)
    return _picture_widget(gradient_norms_panel, fn or ae.reference_rnn_backward, slider, FIGSIZES["gradient_norms_panel"],
                           "the gradient your my_rnn_backward sends back; a σ slider")


def clip_widget(fn=None, max_norm=1.0):
    """A max_norm slider; descent down the cliff clipped by your clip_by_norm (fn) (cliff_panel)."""
    import ipywidgets as widgets

    slider = widgets.FloatSlider(value=max_norm, min=0.1, max=5.0, step=0.1, description="max_norm", style=FULL_LABEL)
    return _picture_widget(cliff_panel, fn or ae.reference_clip, slider, FIGSIZES["cliff_panel"],
                           "the cliff, clipped by your clip_by_norm; a max_norm slider")


# --- 05 --------------------------------------------------------------------------------------------
def gates_from_answer(fn, x, tokens, W_xh, W_hh, b_h):
    """(GateTrace from your my_lstm_step_forward (fn), one-line summary), or (None, the failure message)."""
    from ..gated.widgets import lstm_gate_trace

    trace, failed = ae.attempt("my_lstm_step_forward", ae.student_gate_trace, fn, x, tokens, W_xh, W_hh, b_h)
    if failed:
        return None, failed
    ref = lstm_gate_trace(np.asarray(x, dtype=np.float64), tokens, W_xh, W_hh, b_h)
    gaps = {k: float(np.abs(getattr(trace, k) - getattr(ref, k)).max()) for k in "ifgoc"}
    worst = max(gaps, key=gaps.get)
    if gaps[worst] < 1e-8:
        return trace, f"your gates match rnnlib's (largest gap {gaps[worst]:.2g}): these are your gates"
    return trace, f"your gates differ from rnnlib's, most in {worst} (by {gaps[worst]:.2g}): these are your gates"


def lstm_gate_widget(x, tokens, params, fn=None, unit=0, t=0):
    """The gate inspector (step and unit sliders) on the gates your my_lstm_step_forward (fn) computes.

    params: dict with W_xh (4H, D), W_hh (4H, H), b_h (4H,). Shows only the message if fn raises.
    """
    import ipywidgets as widgets

    from ..gated.widgets import gate_inspector
    from ..lstm import lstm_step_forward

    trace, said = gates_from_answer(fn or lstm_step_forward, x, tokens, **params)
    color = FAILED if trace is None else "inherit"
    status = widgets.HTML(value=f"<span style='color:{color}'>{html.escape(said)}</span>")
    children = [status] if trace is None else [status, gate_inspector(trace, unit=unit, t=t)]
    return explorer(children, "the gate inspector on your my_lstm_step_forward's gates")


# --- 06 --------------------------------------------------------------------------------------------
def beam_report(fn, beam_width):
    """(ok, text): the beams your beam_step (fn; None: rnnlib's) keeps on the toy bigram model next to rnnlib's, or the failure."""
    from .captioning import reference_toy_beams

    ref = reference_toy_beams(beam_width)
    mine, failed = (ref, None) if fn is None else ae.attempt("beam_step", ae.toy_beam_search, fn, beam_width)
    if failed:
        return False, failed
    best_words, best_lp = ae.exhaustive_best()
    name = lambda words: " ".join(ae.TOY_WORDS[w] for w in words)  # noqa: E731
    lines = [f"after '{ae.TOY_WORDS[0]}', 4 words, beam width {beam_width}", "",
             f"{'rank':<5}{'your beam_step':<34}{'log P':>8}   {'rnnlib':<34}{'log P':>8}"]
    for k, ((w1, lp1), (w2, lp2)) in enumerate(zip(mine, ref)):
        lines.append(f"{k + 1:<5}{name(w1):<34}{lp1:8.3f}   {name(w2):<34}{lp2:8.3f}")
    same = [w for w, _ in mine] == [w for w, _ in ref] and np.allclose([lp for _, lp in mine], [lp for _, lp in ref])
    lines += ["", "your beams match rnnlib's" if same else "your beams differ from rnnlib's",
              f"the most probable 4 words (all {len(ae.TOY_WORDS)}**4 tried): {name(best_words)} ({best_lp:.3f}); "
              + ("your best beam found it" if mine[0][0] == best_words else "your best beam missed it")]
    return True, "\n".join(lines)


def beam_step_widget(fn=None, beam_width=1):
    """A beam-width slider; your beam_step (fn) searches a toy bigram model (beam_report)."""
    import ipywidgets as widgets

    slider = widgets.IntSlider(value=beam_width, min=1, max=8, description="beam width", style=FULL_LABEL)
    text = widgets.HTML(value="")

    def redraw(_change=None):
        ok, said = beam_report(fn, slider.value)
        text.value = f"<pre style='color:{'inherit' if ok else FAILED}'>{html.escape(said)}</pre>"

    slider.observe(redraw, names="value")
    redraw()
    return explorer([slider, text], "beam search with your beam_step; a beam-width slider")
