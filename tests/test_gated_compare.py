import numpy as np
import pytest

from rnnlib.gated.compare import SeedSpread, char_run, format_table, main, memory_comparison, parse_config

TEXT = "to be or not to be, that is the question. " * 40


def test_parse_config():
    assert parse_config("lstm") == ("lstm", 0.0)
    assert parse_config("mut2:3") == ("mut2", 3.0)
    for bad in ["", "lstm:x", "a:1:2", 3]:
        with pytest.raises(ValueError, match="config must be"):
            parse_config(bad)


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


def test_main_prints_both_tables(capsys):
    main(["--configs", "rnn,gru:1", "--seeds", "1", "--steps", "1", "--char-steps", "1", "--gaps", "1"])
    out = capsys.readouterr().out
    assert "memory task, gap 1" in out and "validation nats/char" in out and "gru:1" in out


def test_main_skips_a_part_given_zero_steps(capsys):
    main(["--configs", "rnn", "--seeds", "1", "--steps", "0", "--char-steps", "1"])
    out = capsys.readouterr().out
    assert "memory task" not in out and "validation nats/char" in out
