"""The captioning homework checkers pass right answers and name what is wrong in typical wrong ones."""
import numpy as np
import pytest

import rnnlib.checkers.captioning as checkers
from rnnlib.checkers.captioning import check_beam_step, check_temporal_softmax_loss

_reference_beam_step = checkers._reference_beam_step
_torch_temporal_softmax_loss = checkers._torch_temporal_softmax_loss


def good_loss(logits, y, mask):
    n, t, v = logits.shape
    z = logits - logits.max(-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    picked = np.take_along_axis(p, y[..., None], -1)[..., 0]
    loss = -(np.log(picked) * mask).sum() / n  # per caption: summed over its words, averaged over the N captions
    d = p.copy()
    np.put_along_axis(d, y[..., None], np.take_along_axis(d, y[..., None], -1) - 1, -1)
    return loss, d * mask[..., None] / n


def test_torch_reference_matches_a_hand_case():
    # one step, V = 2, logits (0, log 3): softmax = (1/4, 3/4); y = 1 -> loss -log(3/4); one real token
    # dlogits = softmax - one_hot = (1/4, -1/4)
    loss, d = _torch_temporal_softmax_loss(np.array([[[0.0, np.log(3.0)]]]), np.array([[1]]), np.array([[True]]))
    assert loss == pytest.approx(-np.log(0.75), rel=1e-12)
    assert np.allclose(d, [[[0.25, -0.25]]], atol=1e-15)


def test_loss_checker_passes_a_right_answer(capsys):
    assert check_temporal_softmax_loss(good_loss) < 1e-10
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bug, message",
    [
        (lambda l, y, m: good_loss(l, y, np.ones_like(m)), "counts the padded steps"),
        (lambda l, y, m: (good_loss(l, y, m)[0] * l.shape[0] / m.sum(), good_loss(l, y, m)[1]), "divided by the number of real tokens"),
        (lambda l, y, m: (good_loss(l, y, m)[0], good_loss(l, y, m)[1] * l.shape[0]), "dlogits is wrong"),
        (lambda l, y, m: good_loss(l, y, m)[0], "must return 2 values"),
    ],
)
def test_loss_checker_names_the_bug(bug, message):
    with pytest.raises(AssertionError, match=message):
        check_temporal_softmax_loss(bug)


def good_beam(scores, logprobs, beam_width):
    total = scores[:, None] + logprobs
    flat = np.argsort(-total.ravel())[:beam_width]
    return total.ravel()[flat], flat // logprobs.shape[1], flat % logprobs.shape[1]


def one_child_per_beam(scores, logprobs, beam_width):
    total = scores[:, None] + logprobs
    words = total.argmax(1)
    best = total.max(1)
    order = np.argsort(-best)[:beam_width]
    return best[order], order, words[order]


def test_reference_beam_step_by_hand():
    # beams with scores -1 and -2; V = 2; extensions: -1 + log .9, -1 + log .1, -2 + log .6, -2 + log .4
    #  = -1.105, -3.303, -2.511, -2.916 -> best two: (beam 0, word 0), (beam 1, word 0)
    new, parents, words = _reference_beam_step(np.array([-1.0, -2.0]), np.log([[0.9, 0.1], [0.6, 0.4]]), 2)
    assert parents.tolist() == [0, 1] and words.tolist() == [0, 0]
    assert np.allclose(new, [-1 + np.log(0.9), -2 + np.log(0.6)])


def test_beam_checker(capsys):
    assert check_beam_step(good_beam) <= 1e-12
    with pytest.raises(AssertionError, match="rank all K\\*V extensions together"):
        check_beam_step(one_child_per_beam)
    with pytest.raises(AssertionError, match="new_scores is wrong"):
        check_beam_step(lambda s, lp, w: (good_beam(s, lp, w)[0] - s[0], *good_beam(s, lp, w)[1:]))


def test_torch_reference_agrees_with_rnnlib_layers():
    """Per token it is rnnlib.layers' masked mean; per caption the same sum divided by N instead."""
    from rnnlib.layers import softmax_cross_entropy

    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(3, 4, 5)), rng.integers(5, size=(3, 4))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    loss, d = _torch_temporal_softmax_loss(logits, y, mask, per="token")
    ours = softmax_cross_entropy(logits, y, mask=mask)
    assert abs(ours[0] - loss) < 1e-12 and np.allclose(ours[1], d, atol=1e-14)
    loss, d = _torch_temporal_softmax_loss(logits, y, mask)
    summed = softmax_cross_entropy(logits, y, mask=mask, reduction="sum")
    assert abs(summed[0] / 3 - loss) < 1e-12 and np.allclose(summed[1] / 3, d, atol=1e-14)


def test_a_right_loss_is_never_mistaken_for_a_slip():
    """A mask with one real token per caption makes per-token and per-caption equal: a right answer passes."""
    import rnnlib.checkers.captioning as c

    cases = list(c._loss_cases())
    logits, y = cases[0][1]["logits"], cases[0][1]["y"]
    mask = np.zeros_like(cases[0][1]["mask"])
    mask[:, 0] = True
    assert np.isclose(_torch_temporal_softmax_loss(logits, y, mask)[0], _torch_temporal_softmax_loss(logits, y, mask, per="token")[0])
    assert check_temporal_softmax_loss(good_loss, rng=3) < 1e-10


def test_no_reference_is_public():
    # reference_toy_beams gives the beams the reference keeps on the explorer's toy model (what the widget shows),
    # never the beam step itself
    assert checkers.__all__ == ["check_temporal_softmax_loss", "check_beam_step", "reference_toy_beams"]
    beams = checkers.reference_toy_beams(2)
    assert len(beams) == 2 and all(isinstance(words, list) and isinstance(lp, float) for words, lp in beams)
    assert "torch_temporal_softmax_loss" not in vars(checkers)
