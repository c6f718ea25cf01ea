"""The character-level LSTM in torch (notebook 05's large model), one module per part:

    model       CharLSTM, its validation loss (evaluate_nats), sampling, the shipped checkpoint
    training    train_charlstm (Adam, cosine schedule, clipping, carried state) and short_run
    cells       interpretable cells: unit activations against text features, the cell viewer
    cli         the command line: `python -m rnnlib.charlstm --help`
"""
from .model import (as_index_tensor, CharLSTM, CHECKPOINT, decoding_step, evaluate_nats, load_checkpoint,
                    read_seed, sample, save_checkpoint)
from .training import CharLSTMTrainResult, lr_at, short_run, train_charlstm
from .cells import (best_units, cell_viewer, feature_correlations, FEATURES, html_activation, text_features,
                    unit_activations)

__all__ = [
    "as_index_tensor",
    "best_units",
    "cell_viewer",
    "CharLSTM",
    "CharLSTMTrainResult",
    "CHECKPOINT",
    "decoding_step",
    "evaluate_nats",
    "feature_correlations",
    "FEATURES",
    "html_activation",
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
