"""The character-level LSTM in torch (notebook 05's large model), one module per part:

    model       CharLSTM, its validation loss (evaluate_nats), sampling through charlstm_step_fn, checkpoints
                (save_checkpoint / load_checkpoint on rnnlib.checkpoint) and the shipped one
    training    train_charlstm (Adam, cosine schedule, clipping, carried state), its CharLSTMRecord and
                CharLSTMTrainResult, and short_run
    cells       interpretable cells: unit activations against text features, the cell viewer
    cli         the command line: `python -m rnnlib.charlstm --help`
"""
from .model import (as_index_tensor, CharLSTM, charlstm_step_fn, CHECKPOINT, evaluate_nats, KIND, load_checkpoint,
                    read_seed, sample, save_checkpoint)
from .training import CharLSTMRecord, CharLSTMTrainResult, EVAL_STREAMS, lr_at, short_run, train_charlstm
from .cells import (best_units, cell_viewer, feature_correlations, FEATURES, html_activation, text_features,
                    unit_activations)

__all__ = [
    "as_index_tensor",
    "best_units",
    "cell_viewer",
    "CharLSTM",
    "CharLSTMRecord",
    "charlstm_step_fn",
    "CharLSTMTrainResult",
    "CHECKPOINT",
    "EVAL_STREAMS",
    "evaluate_nats",
    "feature_correlations",
    "FEATURES",
    "html_activation",
    "KIND",
    "load_checkpoint",
    "lr_at",
    "read_seed",
    "sample",
    "save_checkpoint",
    "short_run",
    "text_features",
    "train_charlstm",
    "unit_activations",
]
