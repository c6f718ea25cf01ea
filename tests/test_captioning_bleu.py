"""BLEU against the worked examples of Papineni et al. (2002), each computed by hand in the comments."""
import math

import pytest

from rnnlib.captioning.bleu import bleu_stats, corpus_bleu, ngrams, sentence_bleu


def tok(text):
    return text.lower().replace(".", "").split()


# Papineni et al. (2002), Example 1 (their section 2.1), lowercased, full stops dropped.
CAND1 = tok("It is a guide to action which ensures that the military always obeys the commands of the party.")
CAND2 = tok("It is to insure the troops forever hearing the activity guidebook that party direct.")
REFS1 = [
    tok("It is a guide to action that ensures that the military will forever heed Party commands."),
    tok("It is the guiding principle which guarantees the military forces always being under the command of the Party."),
    tok("It is the practical guide for the army always to heed the directions of the party."),
]


def test_example1_candidate1_unigrams_and_bigrams():
    # 18 words. Every word occurs in some reference except "obeys"; "the" occurs 3 times in the
    # candidate and 4 times in reference 2, so all 3 count: p1 = 17/18 (the paper's value).
    # 17 bigrams; those found in a reference: it is, is a, a guide, guide to, to action (ref 1),
    # ensures that, that the, the military, of the, the party -> p2 = 10/17 (the paper's value).
    s = bleu_stats([REFS1], [CAND1], max_n=2)
    assert s.matches == (17, 10) and s.totals == (18, 17)
    # reference lengths 16, 18, 16: the closest to c = 18 is 18, so BP = 1.
    assert (s.hyp_length, s.ref_length, s.brevity_penalty) == (18, 18, 1.0)
    # BLEU-2 = sqrt(17/18 * 10/17) = sqrt(10/18)
    assert s.bleu == pytest.approx(math.sqrt(10 / 18), rel=1e-12)


def test_example1_candidate2_unigram_precision():
    # 14 words: it, is, to, the (x2: references allow up to 4), forever (ref 1), that (ref 1), party
    # match -> 8; insure, troops, hearing, activity, guidebook, direct do not. p1 = 8/14 (the paper's).
    s = bleu_stats([REFS1], [CAND2], max_n=1)
    assert (s.matches, s.totals) == ((8,), (14,))
    # c = 14; the closest reference length is 16, so BP = exp(1 - 16/14) and BLEU-1 = BP * 8/14.
    assert s.ref_length == 16
    assert s.bleu == pytest.approx(math.exp(1 - 16 / 14) * 8 / 14, rel=1e-12)


def test_example2_clipping_the_the_the():
    # Papineni's Example 2: "the" x7 against "the cat is on the mat" / "there is a cat on the mat".
    # "the" occurs at most twice in one reference, so the clipped count is 2: p1 = 2/7 (the paper's).
    refs = [tok("The cat is on the mat."), tok("There is a cat on the mat.")]
    cand = ["the"] * 7
    s = bleu_stats([refs], [cand], max_n=2)
    assert s.matches[0] == 2 and s.totals[0] == 7
    # "the the" appears in no reference: p2 = 0, and unsmoothed BLEU-2 is 0.
    assert s.matches[1] == 0 and s.bleu == 0.0
    # BLEU-1: c = 7, reference lengths 6 and 7 -> r = 7, c > r fails, BP = exp(1 - 7/7) = 1.
    assert sentence_bleu(refs, cand, max_n=1) == pytest.approx(2 / 7, rel=1e-12)


def test_short_candidate_of_the_is_penalised():
    # The paper's "of the" example: p1 = 2/2, p2 = 1/1 (both high), but c = 2 against the closest
    # reference length 16 gives BP = exp(1 - 16/2) = exp(-7), so BLEU-2 = exp(-7).
    s = bleu_stats([REFS1], [["of", "the"]], max_n=2)
    assert s.precisions == (1.0, 1.0)
    assert s.bleu == pytest.approx(math.exp(-7), rel=1e-12)


def test_corpus_pools_counts_rather_than_averaging_sentences():
    # Sentence A: hyp "a b c d" = ref -> unigrams 4/4, bigrams 3/3.
    # Sentence B: hyp "a x" vs ref "a y" -> unigrams 1/2, bigrams 0/1.
    # Pooled: p1 = 5/6, p2 = 3/4; c = 6, r = 6, BP = 1; BLEU-2 = sqrt(5/6 * 3/4) = sqrt(5/8).
    refs = [[["a", "b", "c", "d"]], [["a", "y"]]]
    hyps = [["a", "b", "c", "d"], ["a", "x"]]
    assert corpus_bleu(refs, hyps, max_n=2) == pytest.approx(math.sqrt(5 / 8), rel=1e-12)
    # while the sentence-level BLEU-2 of B alone is 0 (no bigram match), and of A alone 1.
    assert sentence_bleu(refs[1], hyps[1], max_n=2) == 0.0
    assert sentence_bleu(refs[0], hyps[0], max_n=2) == 1.0


def test_closest_reference_length_takes_the_shorter_on_a_tie():
    # c = 5 is 1 away from both 4 and 6: r = 4, c > r, so BP = 1 and BLEU-1 = p1 = 3/5.
    refs = [["a", "b", "c", "z"], ["a", "b", "c", "y", "y", "y"]]
    s = bleu_stats([refs], [["a", "b", "c", "d", "e"]], max_n=1)
    assert s.ref_length == 4 and s.brevity_penalty == 1.0 and s.bleu == pytest.approx(3 / 5)


def test_identical_and_empty_and_too_short():
    ref = tok("a small red circle left of a large blue square")
    assert corpus_bleu([[ref]], [ref]) == 1.0
    assert corpus_bleu([[ref]], [[]]) == 0.0  # empty hypothesis: c = 0
    assert corpus_bleu([[ref]], [ref[:3]]) == 0.0  # 3 words have no 4-gram: p4 = 0/0 counts as 0


def test_ngrams():
    assert ngrams(["a", "b", "a", "b"], 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngrams(["a"], 2) == {}


@pytest.mark.parametrize(
    "refs, hyps, kwargs, match",
    [
        ([[["a"]]], [["a"]], {"max_n": 0}, "max_n"),
        ([[["a"]]], [["a"], ["b"]], {}, "one entry per hypothesis"),
        ([], [], {}, "at least one sentence"),
        ([[["a"]]], ["a b"], {}, r"hypotheses\[0\] must be a list of tokens"),
        ([[["a"], "a b"]], [["a"]], {}, r"list_of_references\[0\]\[1\] must be a list of tokens"),
        ([[]], [["a"]], {}, r"list_of_references\[0\] must be a non-empty list"),
        ([["a"]], [["a"]], {}, r"list_of_references\[0\] must be a non-empty list"),
        ([[["a"]]], [[1, 2]], {}, "string tokens"),
        ("ab", [["a"]], {}, "must be lists"),
    ],
)
def test_validation(refs, hyps, kwargs, match):
    with pytest.raises(ValueError, match=match):
        corpus_bleu(refs, hyps, **kwargs)
