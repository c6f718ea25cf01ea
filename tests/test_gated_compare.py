import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnlib.gated.compare import main
from rnnlib.gated.comparison import (CharRecord, SeedSpread, char_run, config_layer, format_table, letter_frequency_nats,
                                     memory_comparison, parse_config)

TEXT = "to be or not to be, that is the question. " * 40


def test_parse_config():
    assert parse_config("lstm") == ("lstm", 0.0, 0.0)
    assert parse_config("mut2:3") == ("mut2", 3.0, 0.0)
    assert parse_config("lstm:f1") == ("lstm", 0.0, 1.0)
    for bad in ["", "lstm:x", "lstm:fx", "a:1:2", 3]:
        with pytest.raises(ValueError, match="config must be"):
            parse_config(bad)


def test_config_layer_sets_the_forget_bias_and_refuses_it_where_there_is_none():
    torch.manual_seed(0)
    plain = config_layer("lstm")(3, 4).bias_ih_l0.detach().numpy()
    torch.manual_seed(0)
    shifted = config_layer("lstm:f1")(3, 4).bias_ih_l0.detach().numpy()
    np.testing.assert_allclose(shifted - plain, np.r_[np.zeros(4), np.ones(4), np.zeros(8)], atol=1e-6)
    for bad in ["rnn:f1", "gru:f1"]:
        with pytest.raises(ValueError, match="forget_bias applies"):
            config_layer(bad)


def test_letter_frequency_nats_of_two_equally_common_letters_is_log_2():
    text = "ab" * 500  # frequencies 1/2 each: 1 bit = log 2 nats per character, whatever the window
    assert abs(letter_frequency_nats(text, seq_len=8, val_windows=4) - np.log(2)) < 1e-2
    with pytest.raises(ValueError, match="seq_len"):
        letter_frequency_nats(text, seq_len=0)


def test_seed_spread_and_table():
    r = SeedSpread("gru:3", np.array([0.5, 1.0, 0.25]))
    assert (r.median, r.low, r.high) == (0.5, 0.25, 1.0)
    lines = format_table({"gru:3": r}, "accuracy").splitlines()
    assert lines[1].split() == ["gru:3", "0.500", "0.250", "1.000", "0.500", "1.000", "0.250"]


def test_memory_comparison_runs_every_seed():
    out = memory_comparison(["rnn", "lstm:2"], gap=1, seeds=2, steps=2, hidden_size=4, batch_size=4, eval_size=8)
    assert list(out) == ["rnn", "lstm:2"] and all(r.values.shape == (2,) for r in out.values())
    with pytest.raises(ValueError, match="name must be one of"):
        memory_comparison(["lstm", "nope"], gap=1, seeds=1, steps=1)


def test_char_run_is_deterministic_and_starts_near_uniform():
    a_losses, a_val = char_run("coupled:1", TEXT, steps=3, seq_len=8, batch_size=4, hidden_size=8, val_windows=4)
    b_losses, b_val = char_run("coupled:1", TEXT, steps=3, seq_len=8, batch_size=4, hidden_size=8, val_windows=4)
    np.testing.assert_array_equal(a_losses, b_losses)
    assert a_val == b_val
    V = len(set(TEXT))
    assert abs(a_losses[0] - np.log(V)) < 0.5  # an untrained model is close to uniform over V characters


def test_char_run_takes_rng_reports_each_step_and_restores_threads():
    threads, records, during = torch.get_num_threads(), [], []

    def callback(record):
        records.append(record)
        during.append(torch.get_num_threads())

    kwargs = dict(steps=3, seq_len=8, batch_size=4, hidden_size=8, val_windows=4)
    losses, _ = char_run("gru", TEXT, rng=2, callback=callback, progress=False, **kwargs)
    same, _ = char_run("gru", TEXT, rng=2, **kwargs)
    other, _ = char_run("gru", TEXT, rng=np.random.default_rng(2), **kwargs)
    np.testing.assert_array_equal(losses, same)
    assert not np.array_equal(losses, other)  # a Generator seeds torch with its next number, not with 2
    assert records == [CharRecord(i, loss) for i, loss in enumerate(losses)]
    assert during == [1, 1, 1] and torch.get_num_threads() == threads
    with pytest.raises(ValueError, match="^lr must be"):
        char_run("gru", TEXT, lr=float("nan"), **kwargs)
    with pytest.raises(ValueError, match="^rng must be"):
        char_run("gru", TEXT, rng="0", **kwargs)


def test_char_run_divergence_names_the_step_the_loss_and_lr(monkeypatch):
    from rnnlib.gated import comparison

    class BrokenGRU(torch.nn.GRU):
        def forward(self, x, hx=None):
            out, h = super().forward(x, hx)
            return out * float("nan"), h

    monkeypatch.setattr(comparison, "config_layer", lambda config: BrokenGRU)
    threads = torch.get_num_threads()
    with pytest.raises(FloatingPointError, match=r"loss is nan at step 0; lower lr \(got 0.005\)"):
        char_run("gru", TEXT, steps=2, seq_len=8, batch_size=4, hidden_size=8, val_windows=4)
    assert torch.get_num_threads() == threads


def test_main_prints_both_tables(capsys):
    assert main(["--configs", "rnn,gru:1", "--seeds", "1", "--steps", "1", "--char-steps", "1", "--gaps", "1"]) == 0
    out = capsys.readouterr().out
    assert "memory task, gap 1" in out and "validation nats/char" in out and "gru:1" in out
    assert "letter frequencies, no history:" in out


def test_main_skips_a_part_given_zero_steps(capsys):
    assert main(["--configs", "rnn", "--seeds", "1", "--steps", "0", "--char-steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "memory task" not in out and "validation nats/char" in out


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "0"], "argument --seeds: must be a positive integer; got '0'"),
    (["--gaps", "5,x"], "argument --gaps: must be a non-negative integer; got 'x'"),
    (["--steps", "-3"], "argument --steps: must be a non-negative integer; got '-3'"),
    (["--configs", "lstm,nope", "--steps", "0", "--char-steps", "0"], "name must be one of"),
    (["--configs", "lstm:x"], "config must be 'name', 'name:remember_bias' or 'name:f<forget_bias>'"),
    (["--configs", "gru:f1"], "forget_bias applies to LSTM-type layers; got 'gru'"),
    (["--steps", "0", "--char-steps", "1", "--text", "no_such_file.txt"], "no_such_file.txt"),
])
def test_main_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert captured.err.startswith("python -m rnnlib.gated.compare: error: ") and captured.err.count("\n") == 1


def test_python_m_returns_the_exit_code():
    result = subprocess.run([sys.executable, "-m", "rnnlib.gated.compare", "--bad"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "unrecognized arguments: --bad" in result.stderr
