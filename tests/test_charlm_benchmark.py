"""Tests for rnnlib.charlm.benchmark (driven by steps, never by seconds)."""
import numpy as np


def test_benchmark_runs_a_fixed_number_of_steps():
    from rnnlib.charlm.benchmark import run_benchmark

    text = "the cat sat on the mat. " * 100
    rows = run_benchmark(text, hidden_size=8, seq_length=5, steps=3)
    assert [r["name"] for r in rows] == ["loop (float64, N=1)", "charlm (float32, N=1)", "charlm (float32, N=32)"]
    assert [r["chars"] for r in rows] == [3 * 5, 3 * 1 * 5, 3 * 32 * 5]  # steps * N * T
    assert all(r["chars_per_s"] > 0 and 0 < r["val_bpc"] < 2 * np.log2(len(set(text))) for r in rows)
    rows = run_benchmark(text, hidden_size=8, seq_length=5, batch_sizes=(2,), loop_dtype="float32", steps=2)
    assert [(r["name"], r["chars"]) for r in rows] == [("loop (float32, N=1)", 10), ("charlm (float32, N=2)", 20)]


def test_a_seconds_budget_always_trains_at_least_one_step():
    from rnnlib.charlm import train_charlm
    from rnnlib.charlm.loop import loop_train

    data = np.arange(300) % 7
    # a budget far below one step's time: the loops must still take one step and evaluate once
    res = train_charlm(data, data[:50], 7, hidden_size=4, seq_length=5, batch_size=2, seconds=1e-12,
                       rng=np.random.default_rng(0))
    assert res.chars >= 2 * 5 and len(res.val_nats) == len(res.train_nats) == len(res.steps) >= 1
    run = loop_train(data, 7, hidden_size=4, seq_length=5, seconds=1e-12, rng=np.random.default_rng(0))
    assert run.chars >= 5 and len(run.train_nats) == len(run.steps) >= 1


def test_benchmark_command_line_rejects_bad_numbers_with_exit_code_2(capsys):
    from rnnlib.charlm.benchmark import main

    for args, message in ((["--seconds", "0"], "argument --seconds: must be a positive number; got '0'"),
                          (["--hidden", "-3"], "argument --hidden: must be a positive integer; got '-3'"),
                          (["--seed", "-1"], "argument --seed: must be a non-negative integer; got '-1'"),
                          (["--text", "/nonexistent/x.txt"], "python -m rnnlib.charlm.benchmark: error:")):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err and "Traceback" not in err
