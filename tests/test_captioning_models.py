"""Torch captioners: shapes, step = teacher forcing, decoding through rnnlib.decoding, checkpoints, training."""
import numpy as np
import pytest
import torch

from rnnlib.captioning.analysis import attention_maps, saliency_map
from rnnlib.captioning.evaluation import decode_images
from rnnlib.captioning.models import build_model, numpy_step
from rnnlib.captioning.training import encode_references, load_checkpoint, save_checkpoint, train_captioner
from rnnlib.captioning.world import MAX_LEN, CaptionVocab, make_split

V = len(CaptionVocab())


@pytest.fixture(scope="module")
def data():
    return make_split("val", n=12, seed=4)


@pytest.mark.parametrize("kind", ["showtell", "attention"])
def test_step_by_step_equals_teacher_forcing(kind, data):
    torch.manual_seed(0)
    model = build_model(kind, V).eval()
    tokens, _ = encode_references(data, CaptionVocab())
    inputs = torch.from_numpy(tokens[:, 0, :-1])  # (N, T)
    with torch.no_grad():
        logits, alphas = model(data.images, inputs)
        state = model.init_state(data.images)
        for t in range(inputs.shape[1]):
            step_logits, state = model.step(inputs[:, t], state)
            assert torch.allclose(step_logits, logits[:, t], atol=1e-5)
    assert logits.shape == (12, MAX_LEN - 1, V)
    if kind == "attention":
        assert alphas.shape == (12, MAX_LEN - 1, 64)
        assert torch.allclose(alphas.sum(-1), torch.ones(12, MAX_LEN - 1), atol=1e-5)
    else:
        assert alphas is None


@pytest.mark.parametrize("kind", ["showtell", "attention"])
def test_decoding_and_checkpoint_round_trip(kind, data, tmp_path):
    torch.manual_seed(1)
    model = build_model(kind, V).eval()
    greedy = decode_images(model, data.images)
    beam1 = decode_images(model, data.images[:3], method="beam", beam_width=1)
    assert beam1 == greedy[:3]  # beam width 1 is greedy
    step, start = numpy_step(model)
    logits, state = step(np.zeros(12, dtype=np.int64), start(data.images))
    assert logits.shape == (12, V) and logits.dtype == np.float64 and all(s.shape[0] == 12 for s in state)
    path = tmp_path / "m.pt"
    save_checkpoint(model, kind, path, {"seed": 1})
    loaded, meta = load_checkpoint(path)  # weights_only=True inside
    assert meta == {"seed": 1, "kind": kind}
    assert decode_images(loaded, data.images) == greedy


def test_training_lowers_the_loss(data):
    torch.manual_seed(0)
    model = build_model("showtell", V)
    losses = train_captioner(model, data, steps=30, batch_size=12, lr=3e-3, show_progress=False)
    # from about log V = log 24 = 3.18 nats per token at the start; 30 steps learn the grammar's first words
    assert abs(losses[0] - np.log(V)) < 0.3 and np.mean(losses[-5:]) < losses[0] - 1.0


def test_attention_and_saliency_maps(data):
    torch.manual_seed(0)
    model = build_model("attention", V).eval()
    words = data.references[0][0]
    maps = attention_maps(model, data.images[0], words)
    assert maps.shape == (len(words) + 1, 8, 8) and np.allclose(maps.sum((1, 2)), 1.0, atol=1e-5)
    sal = saliency_map(model, data.images[0], words, 2)
    assert sal.shape == (32, 32) and (sal >= 0).all() and sal.max() > 0
    with pytest.raises(ValueError, match="model must be an attention captioner"):
        attention_maps(build_model("showtell", V), data.images[0], words)
    with pytest.raises(ValueError, match="position must lie in"):
        saliency_map(model, data.images[0], words, len(words))


def test_validation():
    with pytest.raises(ValueError, match="kind must be one of"):
        build_model("transformer", V)
    with pytest.raises(ValueError, match="images must have shape"):
        build_model("showtell", V).init_state(np.zeros((2, 32, 32), dtype=np.float32))
    with pytest.raises(ValueError, match="method must be"):
        decode_images(build_model("showtell", V), np.zeros((1, 32, 32, 3), dtype=np.float32), method="best")
