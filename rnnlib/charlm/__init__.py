"""The character-level language model (min-char-rnn done right), one module per part:

    model       the model: init_params, check_params, charlm_forward / charlm_backward (time-major
                scan inside, batch-first arguments), loss units (LossReport), clipping, Adagrad,
                make_streams, evaluate
    training    train_charlm (batched streams, truncated BPTT, clipping, Adagrad) and its CharLMTrainResult
    sampling    next_char_probs, sample (temperature, greedy, seed text: rnnlib.decoding's loop on
                charlm_step_fn, the model's step function), word_hit_rate
    cli         the command line; `python -m rnnlib.charlm --help` (see __main__)

The public names of model, training and sampling are importable from rnnlib.charlm directly.
"""
from .model import (PARAM_NAMES, CharLMCache, LossReport, adagrad_update, charlm_backward, charlm_forward,
                    charlm_forward_unchecked, charlm_hidden_states, check_char_indices, check_params, evaluate,
                    init_params, loss_report, make_streams)
from .sampling import charlm_step_fn, check_temperature, encode_seed, next_char_probs, sample, word_hit_rate
from .training import CharLMTrainResult, keep_freed_memory, train_charlm

__all__ = [
    "PARAM_NAMES",
    "CharLMCache",
    "LossReport",
    "CharLMTrainResult",
    "adagrad_update",
    "charlm_backward",
    "charlm_forward",
    "charlm_forward_unchecked",
    "charlm_hidden_states",
    "charlm_step_fn",
    "check_char_indices",
    "check_params",
    "check_temperature",
    "encode_seed",
    "evaluate",
    "init_params",
    "keep_freed_memory",
    "loss_report",
    "make_streams",
    "next_char_probs",
    "sample",
    "train_charlm",
    "word_hit_rate",
]
