"""Caption widgets: compose a scene and read its caption, a beam-width slider, attention word by word.

Each widget is a thin ipywidgets wrapper around a plain function that is unit tested:
compose_scene / describe_scene, beam_table, attention_panel. Pictures and boxes come from rnnlib.widgets
(render_png into image_widget, inside an explorer), so they look like every other widget of the course and
executing a notebook writes only the explorer's one-line text form.
"""
from __future__ import annotations

import html

import numpy as np

from .. import decoding
from .analysis import attention_maps
from .evaluation import decode_images
from .models import captioner_step_fn
from .plots import attention_grid, draw_attention
from .world import COLOURS, MAX_LEN, SHAPES, SIZES, CaptionVocab, captions, make_scene, render
from ..widgets import explorer, image_widget, render_png

__all__ = ["compose_scene", "describe_scene", "beam_table", "attention_panel",
           "compose_widget", "beam_widget", "attention_widget", "PLACES"]

SCENE_FIGSIZE, THUMB_FIGSIZE = (2.5, 2.5), (2.2, 2.2)  # inches, as rnnlib.widgets shows them
ATTENTION_FIGSIZE = attention_grid(16)[2]  # the widest attention picture; its height follows the caption's length
# where the first object stands relative to the second, and the two centres (x, y) that say so
PLACES = {"left of": ((8.5, 16.0), (23.5, 16.0)), "right of": ((23.5, 16.0), (8.5, 16.0)),
          "above": ((16.0, 8.5), (16.0, 23.5)), "below": ((16.0, 23.5), (16.0, 8.5))}


def compose_scene(first, second=None, relation="left of"):
    """A scene from (shape, colour, size) triples: `first` alone in the middle, or `first` `relation` `second`."""
    if second is None:
        return make_scene([(*first, 16.0, 16.0)])
    if relation not in PLACES:
        raise ValueError(f"relation must be one of {list(PLACES)}; got {relation!r}")
    (x1, y1), (x2, y2) = PLACES[relation]
    return make_scene([(*first, x1, y1), (*second, x2, y2)])


def describe_scene(model, scene):
    """(clean image (S, S, 3), first reference caption, the model's greedy caption) for a scene."""
    image = render(scene)
    return image, " ".join(captions(scene)[0]), " ".join(decode_images(model, image[None])[0])


def beam_table(model, image, beam_width, alpha=0.7):
    """Finished beam-search hypotheses for one image, best first: [(caption, log-prob, score)]."""
    vocab = CaptionVocab()
    step, state = captioner_step_fn(model, np.asarray(image)[None])
    hyps = decoding.beam_search(step, state, vocab.start, MAX_LEN - 1, vocab.end, beam_width=beam_width, alpha=alpha)
    return [(" ".join(vocab.decode(tokens)), float(lp), float(sc)) for tokens, lp, sc in hyps]


def attention_panel(model, image):
    """(greedy caption words, attention maps (len + 1, side, side)) of the attention model for an image."""
    words = decode_images(model, np.asarray(image)[None])[0]
    return words, attention_maps(model, image, words)


def _show_image(fig, image):
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(image)
    ax.axis("off")


def _dropdowns(prefix, shape, colour, size):
    import ipywidgets as widgets

    return [widgets.Dropdown(options=list(SHAPES), value=shape, description=f"{prefix} shape"),
            widgets.Dropdown(options=list(COLOURS), value=colour, description="colour"),
            widgets.Dropdown(options=list(SIZES), value=size, description="size")]


def compose_widget(model):
    """Dropdowns for one or two objects and their relation; shows the picture, a reference and the model's caption."""
    import ipywidgets as widgets

    first = _dropdowns("1st", "circle", "red", "large")
    second = _dropdowns("2nd", "square", "blue", "small")
    two = widgets.Checkbox(value=True, description="second object")
    relation = widgets.Dropdown(options=list(PLACES), value="left of", description="1st is")
    image, text = image_widget(SCENE_FIGSIZE), widgets.HTML()

    def redraw(_change=None):
        for control in (*second, relation):  # without a second object its controls mean nothing: greyed out
            control.disabled = not two.value
        scene = compose_scene(tuple(d.value for d in first), tuple(d.value for d in second) if two.value else None,
                              relation.value)
        img, ref, hyp = describe_scene(model, scene)
        image.value = render_png(lambda fig: _show_image(fig, img), SCENE_FIGSIZE)
        text.value = f"<b>model:</b> {html.escape(hyp)}<br><b>a reference:</b> {html.escape(ref)}"

    for w in [*first, *second, two, relation]:
        w.observe(redraw, names="value")
    redraw()
    return explorer([widgets.HBox(first), widgets.HBox([two, relation]), widgets.HBox(second), image, text],
                    "compose a scene and read the model's caption")


def beam_widget(model, images, index=0, beam_width=3):
    """An image slider and a beam-width slider; lists the finished hypotheses with log-prob and score."""
    import ipywidgets as widgets

    pick = widgets.IntSlider(value=index, min=0, max=len(images) - 1, description="image")
    width = widgets.IntSlider(value=beam_width, min=1, max=8, description="beam width")
    image, table = image_widget(THUMB_FIGSIZE), widgets.HTML()

    def redraw(_change=None):
        img = images[pick.value]
        image.value = render_png(lambda fig: _show_image(fig, img), THUMB_FIGSIZE)
        rows = "".join(f"<tr><td>{html.escape(c)}</td><td>{lp:.3f}</td><td>{sc:.3f}</td></tr>"
                       for c, lp, sc in beam_table(model, img, width.value)[:8])
        table.value = f"<table><tr><th>caption</th><th>log p</th><th>score</th></tr>{rows}</table>"

    pick.observe(redraw, names="value")
    width.observe(redraw, names="value")
    redraw()
    return explorer([widgets.HBox([pick, width]), widgets.HBox([image, table])],
                    "beam-search hypotheses for a test image, with a beam slider")


def attention_widget(model, images, index=0):
    """An image slider: the attention model's caption and its attention map for every word (draw_attention).

    The picture is as tall as the caption's rows of panels need (no blank bands for short captions)."""
    import ipywidgets as widgets

    pick = widgets.IntSlider(value=index, min=0, max=len(images) - 1, description="image")
    image = image_widget(ATTENTION_FIGSIZE)

    def redraw(_change=None):
        img = images[pick.value]
        words, maps = attention_panel(model, img)
        figsize = attention_grid(len(words) + 2)[2]  # the image, each word and <end>
        image.value = render_png(lambda fig: draw_attention(img, words, maps, fig=fig), figsize)

    pick.observe(redraw, names="value")
    redraw()
    return explorer([pick, image], "the attention map of every word of a test image's caption")
