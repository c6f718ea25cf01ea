"""Gated cells beyond the core LSTM and GRU (notebook 05):

    variants    seven cells written as loops (LSTM, peephole, coupled, MUT1-3) behind one RecurrentLayer
    comparison  their comparison over seeds on the memory task and on text
    compare     that comparison's command line, `python -m rnnlib.gated.compare` (not imported here)
    gradients   how far a gradient travels through RNN, LSTM and GRU (per-step decay, forget path)
    gru_forms   the GRU's update-gate direction and reset placement, as the papers and torch write them
    readout     what a trained cell stores: how much of each unit the remembered symbol explains
    widgets     the gate inspector: gate values along a sequence, as a table, a figure and a widget
"""
from .variants import (CELLS, CoupledLSTMCell, LSTMLoopCell, MUT1Cell, MUT2Cell, MUT3Cell, PeepholeLSTMCell,
                       RecurrentLayer, variant_layer)
from .comparison import (accuracy_spread, char_comparison, char_run, CharRecord, config_layer, format_table,
                         letter_frequency_nats, memory_comparison, memory_runs, parse_config, SeedSpread)
from .gradients import decay_per_step, forget_path_gain, input_gradient_by_distance, KINDS, torch_like_init
from .gru_forms import flip_update_gate, gru_forward_variant, RESETS, UPDATES
from .readout import symbol_share
from .widgets import draw_gates, gate_inspector, gate_table, GateTrace, lstm_gate_trace

__all__ = [
    "accuracy_spread",
    "CELLS",
    "char_comparison",
    "char_run",
    "CharRecord",
    "config_layer",
    "CoupledLSTMCell",
    "decay_per_step",
    "draw_gates",
    "flip_update_gate",
    "forget_path_gain",
    "format_table",
    "gate_inspector",
    "gate_table",
    "GateTrace",
    "gru_forward_variant",
    "input_gradient_by_distance",
    "letter_frequency_nats",
    "KINDS",
    "lstm_gate_trace",
    "LSTMLoopCell",
    "memory_comparison",
    "memory_runs",
    "MUT1Cell",
    "MUT2Cell",
    "MUT3Cell",
    "parse_config",
    "PeepholeLSTMCell",
    "RecurrentLayer",
    "RESETS",
    "SeedSpread",
    "symbol_share",
    "torch_like_init",
    "UPDATES",
    "variant_layer",
]
