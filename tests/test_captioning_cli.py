"""Tests for the captioning command line (python -m rnnlib.captioning): help, tiny runs by steps, bad input."""
import os
import subprocess
import sys

import pytest

from rnnlib.captioning.training import load_checkpoint
from rnnlib.captioning.cli import main

PROG = "python -m rnnlib.captioning"


def _fields(line):
    return dict(item.split("=") for item in line.split())


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("train", "evaluate", "sweep"))
    assert main(["train", "--help"]) == 0
    assert "--steps" in capsys.readouterr().out


def test_tiny_train_then_evaluate(tmp_path, capsys):
    path = tmp_path / "tiny.pt"
    args = ["train", "--model", "showtell", "--steps", "3", "--train-size", "40", "--batch-size", "8", "--save", str(path)]
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    fields = _fields(out[-1])
    assert list(fields) == ["model", "seed", "steps", "final_loss", "seconds"]
    assert fields["model"] == "showtell" and fields["steps"] == "3" and fields["seed"] == "0"
    assert 1.0 < float(fields["final_loss"]) < 4.0  # 3 steps: near ln(V) = ln(27) = 3.3, far from trained
    assert out[-2].startswith(f"saved {path}")
    model, vocab, meta = load_checkpoint(path)
    assert meta["steps"] == 3 and model.kind == "showtell" and len(vocab) == model.config["vocab_size"]

    assert main(["evaluate", str(path), "--n", "12"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith(f"{path} test: BLEU-4") and out[0].endswith("not cleared")  # 3 steps clear nothing
    assert out[-1] == "bar_cleared=0/1"


def test_tiny_sweep_prints_median_and_spread(tmp_path, capsys):
    args = ["sweep", "--model", "attention", "--seeds", "0", "1", "--steps", "2", "--train-size", "20", "--n", "8",
            "--save-dir", str(tmp_path)]
    assert main(args) == 0
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("*/*")) == [
        "seed0/caption_attention.pt", "seed1/caption_attention.pt"]
    assert load_checkpoint(tmp_path / "seed1" / "caption_attention.pt")[2]["seed"] == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert sum(line.startswith("attention seed ") for line in out) == 4  # 2 seeds x 2 splits
    assert "attention test, 2 seeds, 2 steps: median [min, max]" in out
    assert out[-1] == "bar_cleared=0/2"


@pytest.mark.parametrize("argv,message", [
    (["train", "--model", "showtell", "--steps", "0"], "argument --steps: must be a positive integer; got '0'"),
    (["train", "--model", "showtell", "--lr", "-1"], "argument --lr: must be a positive number; got '-1'"),
    (["train", "--model", "showtell", "--seed", "-3"], "argument --seed: must be a non-negative integer; got '-3'"),
    (["train", "--model", "lstm"], "argument --model: invalid choice: 'lstm'"),
    (["train", "--model", "showtell", "--save", "no/such/folder/x.pt"], "--save must be a path in an existing folder"),
    (["evaluate", "missing.pt"], "checkpoint 'missing.pt' not found"),
    (["evaluate", "x.pt", "--n", "zero"], "argument --n: must be a positive integer; got 'zero'"),
    (["sweep", "--model", "attention", "--seeds"], "argument --seeds: expected at least one argument"),
    (["sweep", "--model", "attention", "--save-dir", "no/such/folder"], "--save-dir must be an existing folder"),
    (["fly"], "invalid choice: 'fly'"),
])
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{PROG}") and message in err
    assert "\n" not in err and "Traceback" not in err


def test_evaluate_rejects_a_checkpoint_of_another_family(tmp_path, capsys):
    import torch

    from rnnlib.checkpoint import write_checkpoint

    other = torch.nn.Linear(2, 2)
    other.config = {"vocab_size": 2}
    write_checkpoint(tmp_path / "lstm.pt", other, "charlstm")
    assert main(["evaluate", str(tmp_path / "lstm.pt"), "--n", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "must hold a model of kind 'showtell' or 'attention'" in err and "'charlstm'" in err


def test_python_dash_m_entry_point():
    bad = subprocess.run([sys.executable, "-m", "rnnlib.captioning", "evaluate", "missing.pt"],
                         capture_output=True, text=True, env=dict(os.environ, TQDM_DISABLE="1"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == f"{PROG}: error: checkpoint 'missing.pt' not found (train one with: {PROG} train --model ... --save PATH)"


def test_sweep_saves_the_bytes_that_train_saves(tmp_path, capsys):
    """PROVENANCE names `train --seed S`; a sweep's checkpoint for seed S is the same file, byte for byte."""
    small = ["--steps", "2", "--train-size", "20"]
    assert main(["train", "--model", "showtell", "--seed", "1", *small, "--save", str(tmp_path / "caption_showtell.pt")]) == 0
    assert main(["sweep", "--model", "showtell", "--seeds", "1", *small, "--n", "4", "--save-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert (tmp_path / "caption_showtell.pt").read_bytes() == (tmp_path / "seed1" / "caption_showtell.pt").read_bytes()


@pytest.mark.parametrize("kind", ["showtell", "attention"])
def test_shipped_checkpoints_match_their_provenance(kind):
    import hashlib
    import re

    from rnnlib.paths import asset_path

    path = asset_path(f"caption_{kind}.pt")
    row = next(line for line in asset_path("PROVENANCE.md").read_text().splitlines()
               if line.startswith(f"| `caption_{kind}.pt`"))
    command, size, digest = re.match(r"\| `[^`]+` \| `([^`]+)` \| ([\d,]+) \| `([0-9a-f]{64})` \|", row).groups()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest and len(data) == int(size.replace(",", ""))
    assert len(data) < 2_000_000  # small enough to ship
    model, _, meta = load_checkpoint(path)  # torch.load(weights_only=True)
    assert model.kind == kind
    assert f"--model {kind} --seed {meta['seed']} --steps {meta['steps']} " in command
