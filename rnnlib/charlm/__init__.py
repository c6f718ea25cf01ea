"""The character-level language model (min-char-rnn done right), one module per part:

    model       the model: init_params, check_params, charlm_forward / charlm_backward (time-major
                scan inside, batch-first arguments), loss units (LossReport), make_streams,
                evaluate_nats (the validation loss over every target)
    training    train_charlm (batched streams, truncated BPTT, clipping, rnnlib.optim's Adagrad), its
                CharLMRecord (what the callback gets) and CharLMTrainResult
    sampling    next_char_probs, sample (temperature, greedy, seed text: rnnlib.decoding's loop on
                charlm_step_fn, the model's step function and initial state), word_hit_rate
    loop        min-char-rnn's per-step loop, written out as the slides do, and its bugs
    plots       figures: per-step probabilities, loss curves, temperatures
    widgets     the temperature slider
    benchmark   the numpy char-RNN against torch: `python -m rnnlib.charlm.benchmark`
    cli         the command line; `python -m rnnlib.charlm --help` (see __main__)

The public names of every part but the command lines are importable from rnnlib.charlm directly.
"""
from .model import (charlm_backward, charlm_forward, charlm_hidden_states, CharLMCache, check_params, evaluate_nats,
                    init_params, loss_report, LossReport, make_streams, PARAM_NAMES)
from .training import (CharLMRecord, CharLMTrainResult, train_charlm)
from .sampling import (charlm_step_fn, encode_seed, next_char_probs, sample, word_hit_rate)
from .loop import (bug_gradient_errors, BUGS, loop_adagrad_update, loop_loss_and_grads, loop_step_backward,
                   loop_train, LoopRecord, LoopTrainResult)
from .plots import (char_label, draw_char_steps, draw_loss_curves, draw_temperatures, temperature_sample_text)
from .widgets import (temperature_widget)

__all__ = [
    "bug_gradient_errors",
    "BUGS",
    "char_label",
    "charlm_backward",
    "charlm_forward",
    "charlm_hidden_states",
    "charlm_step_fn",
    "CharLMCache",
    "CharLMRecord",
    "CharLMTrainResult",
    "check_params",
    "draw_char_steps",
    "draw_loss_curves",
    "draw_temperatures",
    "encode_seed",
    "evaluate_nats",
    "init_params",
    "loop_adagrad_update",
    "loop_loss_and_grads",
    "loop_step_backward",
    "loop_train",
    "LoopRecord",
    "LoopTrainResult",
    "loss_report",
    "LossReport",
    "make_streams",
    "next_char_probs",
    "PARAM_NAMES",
    "sample",
    "temperature_sample_text",
    "temperature_widget",
    "train_charlm",
    "word_hit_rate",
]
