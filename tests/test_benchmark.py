"""Tests for rnnlib.benchmark."""


def test_benchmark_runs_briefly():
    from rnnlib.benchmark import run_benchmark

    rows = run_benchmark("the cat sat on the mat. " * 100, seconds=0.05, hidden=8, seq_length=5)
    assert [r["name"] for r in rows] == ["loop (float64, N=1)", "charlm (float32, N=1)", "charlm (float32, N=32)"]
    assert all(r["chars"] > 0 and r["chars_per_s"] > 0 and r["val_bpc"] > 0 for r in rows)
    rows = run_benchmark("the cat sat on the mat. " * 100, seconds=0.02, hidden=8, seq_length=5, batch_sizes=(2,),
                         loop_dtype="float32")
    assert [r["name"] for r in rows] == ["loop (float32, N=1)", "charlm (float32, N=2)"]
