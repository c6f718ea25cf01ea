"""Interpretable cells (the LSTM lecture; Karpathy et al. 2015): LSTM units whose activation tracks a nameable feature.

Run a trained char-LSTM over a passage, record every unit's cell state c_t (or output h_t) after
each character, and correlate each unit with simple features of the text at that character:

- line_position: characters since the last newline (0 at the newline itself);
- speaker: 1 on the characters of a speaker line (the plays put each speech's speaker alone on a
  line after a blank line, e.g. "Ham." or "FIRST SENATOR."), else 0;
- in_brackets: 1 from a "[" up to (not including) the next "]" (stage directions), else 0;
- after_sentence_end: 1 from a ".", "!" or "?" up to the next letter (the next letter is likely a
  capital), else 0;
- word_position: characters since the last space or newline.

`feature_correlations(acts, features)` gives each unit's Pearson correlation with each feature,
`best_units` picks the unit with the largest |r| per feature, `html_activation(text, values)` colours
the text by one unit's activation, and `cell_viewer` is a thin widget over them.
"""
from __future__ import annotations

import html as _html
import re

import numpy as np
import torch

from .._validate import check_array
from ..widgets import explorer

__all__ = ["FEATURES", "best_units", "cell_viewer", "feature_correlations", "html_activation", "text_features",
           "unit_activations"]

FEATURES = ("line_position", "speaker", "in_brackets", "after_sentence_end", "word_position")
_SPEAKER = re.compile(r"[A-Z][A-Za-z' ]{0,30}\.")


def _check_text(text):
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string; got {text!r}")
    return text


def text_features(text):
    """The features above for every character of text.

    Returns: dict feature name -> (T,) float64 array, T = len(text); the value at t describes the
    text up to and including text[t] (what the model has read when it has read text[t]).
    """
    text = _check_text(text)
    T = len(text)
    line_pos, word_pos = np.zeros(T), np.zeros(T)
    brackets, sentence_end, speaker = np.zeros(T), np.zeros(T), np.zeros(T)
    lp = wp = 0
    inside = ended = False
    for t, ch in enumerate(text):
        lp = 0 if ch == "\n" else lp + 1
        wp = 0 if ch in " \n" else wp + 1
        inside = True if ch == "[" else False if ch == "]" else inside
        ended = True if ch in ".!?" else False if ch.isalpha() else ended
        line_pos[t], word_pos[t], brackets[t], sentence_end[t] = lp, wp, inside, ended
    start = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        before_blank = i == 0 or lines[i - 1] == ""
        after_text = i + 1 < len(lines) and lines[i + 1] != ""
        if before_blank and after_text and _SPEAKER.fullmatch(line):
            speaker[start:start + len(line)] = 1
        start += len(line) + 1
    return {"line_position": line_pos, "speaker": speaker, "in_brackets": brackets,
            "after_sentence_end": sentence_end, "word_position": word_pos}


@torch.inference_mode()
def unit_activations(model, vocab, text, kind="cell", layer=-1):
    """Every unit's activation after each character of text, read from a zero state.

    Inputs: model (rnnlib.charlstm.model.CharLSTM), its vocab, text (characters in the vocabulary), kind
    "cell" (c_t, the LSTM's memory) or "hidden" (h_t = o_t * tanh(c_t)), layer (index, -1 = last).
    Returns: (T, H) float64 array, row t = the state after reading text[t].
    """
    text = _check_text(text)
    if kind not in ("cell", "hidden"):
        raise ValueError(f"kind must be 'cell' or 'hidden'; got {kind!r}")
    if not -model.layers <= layer < model.layers:
        raise ValueError(f"layer must be in [{-model.layers}, {model.layers}); got {layer!r}")
    layer = layer % model.layers
    x = model.embedding(torch.as_tensor(vocab.encode(text))[None])[0].float()  # (T, D)
    for k in range(layer + 1):  # one layer at a time: torch.nn.LSTM returns only the last layer's h
        single = torch.nn.LSTM(x.shape[1], model.hidden_size, batch_first=True)
        single.load_state_dict({f"{name}_l0": getattr(model.lstm, f"{name}_l{k}")
                                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        x_in, (x, _) = x, single(x[None])
        x = h = x[0]  # (T, H)
    W_ih, W_hh = getattr(model.lstm, f"weight_ih_l{layer}"), getattr(model.lstm, f"weight_hh_l{layer}")
    b = getattr(model.lstm, f"bias_ih_l{layer}") + getattr(model.lstm, f"bias_hh_l{layer}")  # (4H,)
    if kind == "hidden":
        return h.double().numpy()
    # c_t from the gates, all steps at once: gates = W_ih x_t + W_hh h_{t-1} + b, order i, f, g, o
    h_prev = torch.cat([torch.zeros(1, model.hidden_size), h[:-1]])  # (T, H)
    i, f, g, _ = (x_in @ W_ih.T + h_prev @ W_hh.T + b).chunk(4, dim=1)  # each (T, H)
    f, ig = torch.sigmoid(f).double().numpy(), (torch.sigmoid(i) * torch.tanh(g)).double().numpy()
    c = np.zeros_like(f)  # (T, H)
    for t in range(len(text)):  # c_t = f_t * c_{t-1} + i_t * g_t (elementwise: cheap)
        c[t] = f[t] * (c[t - 1] if t else 0.0) + ig[t]
    return c


def feature_correlations(acts, features):
    """Pearson correlation of every unit with every feature over the positions of a passage.

    Inputs: acts (T, H) activations; features: dict name -> (T,) values (e.g. text_features(text)).
    Returns: dict name -> (H,) correlations in [-1, 1]; 0 where a unit or the feature is constant.
    """
    acts = check_array("acts", acts, ("T", "H"))
    T = acts.shape[0]
    if T < 2:
        raise ValueError(f"acts must have at least 2 positions (rows) to correlate; got {T}")
    a = acts - acts.mean(0)  # (T, H)
    a_norm = np.sqrt((a ** 2).sum(0))  # (H,)
    out = {}
    for name, f in features.items():
        f = check_array(f"features[{name!r}]", f, ("T",), dims={"T": T})
        f = f - f.mean()
        denom = a_norm * np.sqrt((f ** 2).sum())  # (H,)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(denom > 0, (f @ a) / np.where(denom > 0, denom, 1), 0.0)
        out[name] = np.clip(r, -1.0, 1.0)
    return out


def best_units(correlations):
    """For each feature, the unit with the largest |correlation|: dict name -> (unit, r)."""
    best = {}
    for name, r in correlations.items():
        r = check_array(f"correlations[{name!r}]", r, ("H",))
        unit = int(np.argmax(np.abs(r)))
        best[name] = (unit, float(r[unit]))
    return best


def _colour(v):
    """v in [-1, 1] -> a CSS background: blue for negative, red for positive, white at 0."""
    v = float(np.clip(v, -1, 1))
    rgb = (255, round(255 * (1 - v)), round(255 * (1 - v))) if v >= 0 else \
        (round(255 * (1 + v)), round(255 * (1 + v)), 255)
    return "#%02x%02x%02x" % rgb


def html_activation(text, values, scale=None, title=None):
    """Colour every character of text by a value (e.g. one unit's activation), as an HTML string.

    Inputs: text (T characters), values (T,), scale: the |value| shown as full colour (default the
    largest |value|); red = positive, blue = negative. Newlines are drawn as a red/blue "↵" before
    the line break, so that a unit's value at the newline shows.
    Returns: str, a <div> in a monospace font, one <span> per character.
    """
    text = _check_text(text)
    values = check_array("values", values, ("T",), dims={"T": len(text)})
    scale = float(np.max(np.abs(values))) if scale is None else float(scale)
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"scale must be a finite number >= 0; got {scale!r}")
    norm = values / scale if scale > 0 else np.zeros_like(values)
    spans = []
    for ch, v in zip(text, norm):
        shown = "\u21b5\n" if ch == "\n" else _html.escape(ch)
        spans.append(f'<span style="background:{_colour(v)}">{shown}</span>')
    head = f"<div><b>{_html.escape(title)}</b></div>" if title else ""
    return (f'{head}<div style="font-family:monospace;white-space:pre-wrap;line-height:1.35">'
            + "".join(spans) + "</div>")


def cell_viewer(model, vocab, passages, kind="cell", unit=None):
    """A widget: pick a passage and a unit (or a feature's best unit) and see the text coloured by it.

    Inputs: model, vocab; passages: dict name -> text; kind "cell" or "hidden"; unit: the first unit
    shown (default: the best unit for line_position on the first passage).
    Returns: ipywidgets.VBox(HBox(passage dropdown, feature dropdown, unit slider), HTML).
    """
    import ipywidgets as widgets

    if not passages:
        raise ValueError("passages must be a non-empty dict of name -> text; got an empty one")
    cache = {}

    def analysis(name):
        if name not in cache:
            acts = unit_activations(model, vocab, passages[name], kind)
            cache[name] = (acts, best_units(feature_correlations(acts, text_features(passages[name]))))
        return cache[name]

    first = next(iter(passages))
    start = analysis(first)[1]["line_position"][0] if unit is None else unit
    passage = widgets.Dropdown(options=list(passages), value=first, description="passage")
    feature = widgets.Dropdown(options=("(pick a unit)",) + FEATURES, value="(pick a unit)", description="best for")
    slider = widgets.IntSlider(value=start, min=0, max=model.hidden_size - 1, description="unit")
    view = widgets.HTML(layout=widgets.Layout(max_height="15em", overflow="auto"))  # a scroll box: controls and all fit a slide

    def redraw():
        acts, _ = analysis(passage.value)
        u = slider.value
        r = feature_correlations(acts[:, u:u + 1], text_features(passages[passage.value]))
        notes = ", ".join(f"{k}\u00a0r\u00a0=\u00a0{v[0]:+.2f}" for k, v in r.items())  # a name and its r never split
        view.value = html_activation(passages[passage.value], acts[:, u], title=f"unit {u} ({kind}): {notes}")

    moving = []  # non-empty while the viewer moves the slider itself (to a feature's best unit)

    def to_best_unit(_change=None):
        """A feature (or a new passage with a feature chosen) moves the slider to that feature's best unit."""
        best = analysis(passage.value)[1]
        if feature.value in best and best[feature.value][0] != slider.value:
            moving.append(True)
            slider.value = best[feature.value][0]
            moving.pop()
        redraw()

    def unit_moved(_change):
        """The student moved the slider: show that unit; the feature no longer names it, so it reads "(pick a unit)"."""
        if not moving and feature.value != feature.options[0]:
            feature.unobserve(to_best_unit, names="value")
            feature.value = feature.options[0]
            feature.observe(to_best_unit, names="value")
        if not moving:
            redraw()

    passage.observe(to_best_unit, names="value")
    feature.observe(to_best_unit, names="value")
    slider.observe(unit_moved, names="value")
    redraw()
    return explorer([widgets.HBox([passage, feature, slider]), view],
                    "a passage coloured by one LSTM unit you pick")
