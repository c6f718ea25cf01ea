"""BLEU (Papineni et al., 2002): clipped n-gram precision and a brevity penalty, over a whole corpus.

    BLEU = BP * exp( sum_{n=1..N} (1/N) log p_n ),   BP = 1 if c > r else exp(1 - r / c)

p_n is the modified (clipped) n-gram precision pooled over the corpus: each candidate n-gram counts at
most as often as it occurs in the single reference where it is most frequent. c is the total candidate
length, r the sum over sentences of the reference length closest to the candidate's (the shorter one on
a tie). No smoothing: if some p_n is 0 the score is 0. Tokens go in as lists of strings; tokenize
(lowercase, split) before calling.

The interface follows the usual one (e.g. nltk.translate.bleu_score.corpus_bleu):
corpus_bleu(list_of_references, hypotheses, max_n=4) -> float.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import NamedTuple

from .._validate import check_positive_int

__all__ = ["BleuStats", "bleu_stats", "corpus_bleu", "sentence_bleu", "ngrams"]


class BleuStats(NamedTuple):
    """Everything BLEU is made of: matched and total n-gram counts per n, lengths c and r, BP, score."""
    matches: tuple
    totals: tuple
    hyp_length: int
    ref_length: int
    brevity_penalty: float
    bleu: float

    @property
    def precisions(self):
        """p_1..p_N as floats (0.0 where there are no candidate n-grams)."""
        return tuple(m / t if t else 0.0 for m, t in zip(self.matches, self.totals))


def ngrams(tokens, n):
    """Counter of the n-grams (tuples) of a token list."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _check_tokens(name, tokens):
    if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
        raise ValueError(f"{name} must be a list of tokens (strings), e.g. 'a red circle'.split(); got {type(tokens).__name__} {tokens!r:.60}")
    for t in tokens:
        if not isinstance(t, str):
            raise ValueError(f"{name} must hold string tokens; got {type(t).__name__} {t!r}")
    return list(tokens)


def _closest_ref_length(ref_lengths, c):
    return min(ref_lengths, key=lambda r: (abs(r - c), r))


def bleu_stats(list_of_references, hypotheses, max_n=4):
    """Counts behind corpus BLEU; see the module docstring. Returns BleuStats.

    Inputs:
    - list_of_references: one entry per hypothesis, each a non-empty list of references (token lists).
    - hypotheses: list of candidate token lists.
    - max_n: the largest n-gram order N (BLEU-N uses p_1..p_N with weights 1/N).
    """
    max_n = check_positive_int("max_n", max_n)
    if not isinstance(list_of_references, (list, tuple)) or not isinstance(hypotheses, (list, tuple)):
        raise ValueError("list_of_references and hypotheses must be lists (one entry per sentence); "
                         f"got {type(list_of_references).__name__} and {type(hypotheses).__name__}")
    if len(list_of_references) != len(hypotheses):
        raise ValueError(f"list_of_references must have one entry per hypothesis ({len(hypotheses)}); got {len(list_of_references)}")
    if not hypotheses:
        raise ValueError("hypotheses must hold at least one sentence; got an empty list")
    matches, totals, c, r = [0] * max_n, [0] * max_n, 0, 0
    for i, (refs, hyp) in enumerate(zip(list_of_references, hypotheses)):
        hyp = _check_tokens(f"hypotheses[{i}]", hyp)
        if not isinstance(refs, (list, tuple)) or not refs or isinstance(refs[0], str):
            raise ValueError(f"list_of_references[{i}] must be a non-empty list of references (token lists); got {refs!r:.60}")
        refs = [_check_tokens(f"list_of_references[{i}][{j}]", ref) for j, ref in enumerate(refs)]
        c += len(hyp)
        r += _closest_ref_length([len(ref) for ref in refs], len(hyp))
        for n in range(1, max_n + 1):
            counts = ngrams(hyp, n)
            most = Counter()
            for ref in refs:
                most |= ngrams(ref, n)  # elementwise max: the most any single reference allows
            matches[n - 1] += sum(min(k, most[g]) for g, k in counts.items())
            totals[n - 1] += sum(counts.values())
    bp = 0.0 if c == 0 else (1.0 if c > r else math.exp(1 - r / c))
    if c == 0 or min(matches) == 0:
        score = 0.0
    else:
        score = bp * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n)
    return BleuStats(tuple(matches), tuple(totals), c, r, bp, score)


def corpus_bleu(list_of_references, hypotheses, max_n=4):
    """Corpus BLEU-N of token-list hypotheses against their references (float in [0, 1])."""
    return bleu_stats(list_of_references, hypotheses, max_n).bleu


def sentence_bleu(references, hypothesis, max_n=4):
    """BLEU-N of one hypothesis against its references (corpus BLEU of a one-sentence corpus, unsmoothed)."""
    return bleu_stats([references], [hypothesis], max_n).bleu
