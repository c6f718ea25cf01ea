"""The plain functions behind the caption widgets, and that moving a control changes what is shown."""
import pytest
import torch

from rnnlib.captioning.evaluation import decode_images
from rnnlib.captioning.models import build_model
from rnnlib.captioning.widgets import (attention_panel, attention_widget, beam_table, beam_widget, compose_scene,
                                    compose_widget, describe_scene)
from rnnlib.captioning.world import CaptionVocab, make_split


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model("attention", len(CaptionVocab())).eval()


def test_compose_scene_places_the_objects_as_asked():
    for relation in ("left of", "right of", "above", "below"):
        scene = compose_scene(("circle", "red", "large"), ("square", "blue", "small"), relation)
        assert scene.relation == relation
    assert len(compose_scene(("triangle", "green", "small")).objects) == 1
    with pytest.raises(ValueError, match="relation must be one of"):
        compose_scene(("circle", "red", "large"), ("square", "blue", "small"), "behind")


def test_describe_and_beam_table(model):
    scene = compose_scene(("circle", "red", "large"), ("square", "blue", "small"), "above")
    image, ref, hyp = describe_scene(model, scene)
    assert image.shape == (32, 32, 3) and ref == "a large red circle above a small blue square"
    assert hyp == " ".join(decode_images(model, image[None])[0])
    table = beam_table(model, image, 1)
    assert table[0][0] == hyp  # beam width 1 is greedy
    wide = beam_table(model, image, 4)
    assert [row[2] for row in wide] == sorted((row[2] for row in wide), reverse=True)  # best score first
    words, maps = attention_panel(model, image)
    assert maps.shape == (len(words) + 1, 8, 8)


def test_compose_widget_greys_out_the_second_object_when_it_is_unticked(model):
    w = compose_widget(model)
    two, relation = w.children[1].children
    second = w.children[2].children
    assert not any(c.disabled for c in (*second, relation))
    two.value = False
    assert all(c.disabled for c in (*second, relation))
    two.value = True
    assert not any(c.disabled for c in (*second, relation))


def test_widgets_redraw_when_controls_move(model):
    images = make_split("test", n=3).images
    w = compose_widget(model)
    before = w.children[-2].value
    w.children[1].children[0].value = False  # drop the second object
    assert w.children[-2].value != before
    b = beam_widget(model, images)
    png, table = b.children[1].children[0].value, b.children[1].children[1].value
    b.children[0].children[0].value = 2  # another image: another picture
    assert b.children[1].children[0].value != png
    b.children[0].children[1].value = 6  # a wider beam keeps more finished hypotheses in the table
    assert b.children[1].children[1].value.count("<tr>") > table.count("<tr>")
    a = attention_widget(model, images)
    png = a.children[1].value
    a.children[0].value = 1
    assert a.children[1].value != png


def test_widgets_use_the_shared_image_helper(model):
    from rnnlib.captioning.widgets import ATTENTION_FIGSIZE, SCENE_FIGSIZE
    from rnnlib.widgets import DISPLAY_DPI

    images = make_split("test", n=2).images
    w, a = compose_widget(model), attention_widget(model, images)
    assert repr(w) == "[interactive widget: compose a scene and read the model's caption; run the cell to explore]"
    assert "attention map" in repr(a) and "run the cell to explore" in repr(beam_widget(model, images))
    assert w.children[-2].layout.width == f"{round(SCENE_FIGSIZE[0] * DISPLAY_DPI)}px"  # image_widget's natural size
    assert a.children[1].layout.width == f"{round(ATTENTION_FIGSIZE[0] * DISPLAY_DPI)}px"
    assert a.children[1].value[:8] == b"\x89PNG\r\n\x1a\n"


def test_attention_picture_is_as_tall_as_its_rows_of_panels(model):
    """A short caption gets one row of panels, a long one two: no blank bands under the panels."""
    import io

    from PIL import Image

    from rnnlib.captioning.plots import attention_grid
    from rnnlib.widgets import DISPLAY_DPI, HIDPI_SCALE

    images = make_split("test", n=2).images
    a = attention_widget(model, images)
    words, _ = attention_panel(model, images[0])
    width, height = Image.open(io.BytesIO(a.children[1].value)).size
    figsize = attention_grid(len(words) + 2)[2]
    assert (width, height) == (round(figsize[0] * DISPLAY_DPI * HIDPI_SCALE), round(figsize[1] * DISPLAY_DPI * HIDPI_SCALE))
    assert attention_grid(6)[2][1] < attention_grid(15)[2][1] and attention_grid(6)[2][0] == attention_grid(15)[2][0]
