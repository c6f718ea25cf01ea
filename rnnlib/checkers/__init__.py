"""Homework checkers: run a student's function on seeded inputs, compare it with rnnlib's, say what is wrong.

One module per checked topic, all built on one harness:

    harness     call_student (on copies; refuses in-place changes), compare_outputs (names each wrong
                output, its relative error and a hint), report_pass, TOL, NOT_IMPLEMENTED, case_rng and
                draw_sizes (every checker takes rng: None, the notebook's fixed cases; a Generator,
                fresh ones, as when grading), verdict (a check cell that prints one line on failure)
    backward    check_rnn_step_backward, check_rnn_backward (the BPTT loop)
    clipping    check_clip_by_norm (recognises the squared-norm, per-array, always and element-wise mistakes)
    decay       check_shrink_steps (how many steps until a gradient falls below a tolerance)
    bugs        STEP_BACKWARD_BUGS: the catalogue of classic one-step backward bugs
    charloop    check_step_backward, check_adagrad_step (notebook 02: min-char-rnn's loop)
    lstm        check_lstm_step_forward/backward, naming the wrong gate; the LSTM bug catalogue
    captioning  check_temporal_softmax_loss, check_beam_step (against torch)

The first five are importable from rnnlib.checkers directly, e.g. `from rnnlib.checkers import
check_rnn_backward`. The last three need the character model, the LSTM or torch, so `import rnnlib`
does not load them: import them by name, e.g. `from rnnlib.checkers.lstm import check_lstm_step_forward`.
"""
from .backward import check_rnn_backward, check_rnn_step_backward
from .bugs import STEP_BACKWARD_BUGS
from .clipping import CLIP_MISTAKES, check_clip_by_norm
from .decay import check_shrink_steps
from .harness import (NOT_IMPLEMENTED, TOL, call_student, case_rng, compare_outputs, draw_sizes, fresh_rng,
                      join_names,
                      report_pass, verdict)

__all__ = [
    "CLIP_MISTAKES",
    "NOT_IMPLEMENTED",
    "STEP_BACKWARD_BUGS",
    "TOL",
    "call_student",
    "case_rng",
    "check_clip_by_norm",
    "check_rnn_backward",
    "check_rnn_step_backward",
    "check_shrink_steps",
    "compare_outputs",
    "draw_sizes",
    "fresh_rng",
    "join_names",
    "report_pass",
    "verdict",
]
