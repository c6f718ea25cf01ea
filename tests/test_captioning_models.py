"""Torch captioners: shapes, step = teacher forcing, decoding through rnnlib.decoding, checkpoints, training."""
import inspect

import numpy as np
import pytest
import torch

from rnnlib.captioning.analysis import attention_maps, saliency_map
from rnnlib.captioning.evaluation import decode_images
from rnnlib.captioning.models import MODELS, build_model, captioner_step_fn
from rnnlib.captioning.training import (CaptionerRecord, CaptionerTrainResult, encode_references, load_checkpoint,
                                        save_checkpoint, train_captioner)
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
    step, state = captioner_step_fn(model, data.images)
    assert all(s.shape[0] == 12 for s in state)
    logits, state = step(np.zeros(12, dtype=np.int64), state)
    assert logits.shape == (12, V) and logits.dtype == np.float64 and all(s.shape[0] == 12 for s in state)
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, CaptionVocab(), {"seed": 1})
    loaded, vocab, meta = load_checkpoint(path)  # weights_only=True inside
    assert meta == {"seed": 1} and loaded.kind == kind and loaded.config == model.config and not loaded.training
    assert vocab.symbols == CaptionVocab().symbols
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))
    assert decode_images(loaded, data.images) == greedy
    save_checkpoint(path, model, CaptionVocab())
    assert load_checkpoint(path)[2] == {}  # no meta: an empty dict


@pytest.mark.parametrize("kind", ["showtell", "attention"])
def test_config_holds_the_keyword_only_constructor_arguments(kind):
    cls = MODELS[kind]
    params = inspect.signature(cls).parameters
    assert [p.kind for p in params.values()] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] + \
        [inspect.Parameter.KEYWORD_ONLY] * (len(params) - 1)
    model = cls(V, embed_size=8, hidden_size=12)
    assert model.config == {"vocab_size": V, **{n: p.default for n, p in params.items() if n != "vocab_size"},
                            "embed_size": 8, "hidden_size": 12}
    assert cls(**model.config).config == model.config
    with pytest.raises(TypeError):
        cls(V, 8)  # sizes are keyword-only


def test_load_checkpoint_rejects_other_checkpoints(tmp_path):
    from rnnlib.checkpoint import write_checkpoint

    other = torch.nn.Linear(2, 2)
    other.config = {"vocab_size": 2}
    write_checkpoint(tmp_path / "lstm.pt", other, "charlstm")
    with pytest.raises(ValueError, match="must hold a model of kind 'showtell' or 'attention'.*holds 'charlstm'"):
        load_checkpoint(tmp_path / "lstm.pt")
    torch.save({"kind": "showtell", "state_dict": {}}, tmp_path / "old.pt")  # not rnnlib.checkpoint's format
    with pytest.raises(ValueError, match="path must be a checkpoint written by rnnlib.checkpoint"):
        load_checkpoint(tmp_path / "old.pt")
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    model = build_model("showtell", V)
    write_checkpoint(tmp_path / "words.pt", model, "showtell", {"words": ["a", "b"], "meta": {}})
    with pytest.raises(ValueError, match="the caption world's words"):
        load_checkpoint(tmp_path / "words.pt")


def test_save_checkpoint_validation(tmp_path):
    model = build_model("showtell", V)
    with pytest.raises(ValueError, match="vocab must be the CaptionVocab of the model's 24 symbols"):
        save_checkpoint(tmp_path / "m.pt", model, CaptionVocab(words=("a", "b")))
    with pytest.raises(ValueError, match="model must be a captioner"):
        save_checkpoint(tmp_path / "m.pt", torch.nn.Linear(2, 2), CaptionVocab())


def test_training_lowers_the_loss(data):
    torch.manual_seed(0)
    model = build_model("showtell", V)
    records = []
    result = train_captioner(model, data, steps=30, batch_size=12, lr=3e-3, progress=False, callback=records.append)
    assert isinstance(result, CaptionerTrainResult) and result.model is model and not model.training
    assert result.steps == list(range(1, 31)) and len(result.train_nats) == 30 and result.seconds > 0
    assert records == [CaptionerRecord(s, n, pytest.approx(3e-3 * (1 - 0.9 * (s - 1) / 30)))
                       for s, n in zip(result.steps, result.train_nats)]
    losses = result.train_nats
    # from about log V = log 24 = 3.18 nats per token at the start; 30 steps learn the grammar's first words
    assert abs(losses[0] - np.log(V)) < 0.3 and np.mean(losses[-5:]) < losses[0] - 1.0


def test_training_rng_reproduces_a_run(data):
    def run(rng):
        torch.manual_seed(0)
        return train_captioner(build_model("attention", V), data, steps=3, batch_size=4, rng=rng, progress=False)

    a, b, c = run(0), run(np.random.default_rng(0)), run(1)
    assert a.train_nats == b.train_nats != c.train_nats  # an int seed is np.random.default_rng(seed)
    assert all(torch.equal(x, y) for x, y in zip(a.model.state_dict().values(), b.model.state_dict().values()))
    with pytest.raises(ValueError, match="rng must be"):
        run("zero")


def test_training_divergence_names_the_step(data):
    torch.manual_seed(0)
    model = build_model("showtell", V)
    with torch.no_grad():
        model.out.bias.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=r"training diverged at step 1: loss nan; lower lr \(got 0.003\)"):
        train_captioner(model, data, steps=2, batch_size=4, progress=False)
    with pytest.raises(ValueError, match="lr"):
        train_captioner(model, data, steps=2, lr=0, progress=False)


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
