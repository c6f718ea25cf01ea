"""The three recurrent cells described once, so that tests/test_cells.py runs one set of checks on each.

A Cell names the functions of one cell and how its arguments are laid out: `states` are the step's
recurrent arguments after x ("h_prev", or "h_prev", "c_prev" for the LSTM), `biases` its bias names,
`gates` how many blocks its weights stack (W_xh is (gates*H, D)) and `gate_field` where a step cache
keeps the stacked gate activations (None for the plain RNN).
"""
from typing import Callable, NamedTuple

from rnnlib import gru, lstm, rnn, torch_bridge


class Cell(NamedTuple):
    kind: str
    gates: int
    biases: tuple
    states: tuple
    gate_field: str
    forward: Callable
    backward: Callable
    step_forward: Callable
    step_backward: Callable
    torch_stack: Callable

    def params(self, rng, D, H, scale=0.5):
        """Normal(0, scale) weights and biases (biases too, so that no gradient is trivially zero)."""
        G = self.gates * H
        shapes = {"W_xh": (G, D), "W_hh": (G, H), **{b: (G,) for b in self.biases}}
        return {name: rng.normal(scale=scale, size=shape) for name, shape in shapes.items()}

    def step(self, x, states, params):
        """One step from a tuple of states; returns (new states tuple, cache)."""
        *new, cache = self.step_forward(x, *states, **params)
        return tuple(new), cache


CELLS = {
    "rnn": Cell("rnn", 1, ("b_h",), ("h_prev",), None, rnn.rnn_forward, rnn.rnn_backward,
                rnn.rnn_step_forward, rnn.rnn_step_backward, None),
    "lstm": Cell("lstm", 4, ("b_h",), ("h_prev", "c_prev"), "ifgo", lstm.lstm_forward, lstm.lstm_backward,
                 lstm.lstm_step_forward, lstm.lstm_step_backward, torch_bridge.torch_lstm_stack),
    "gru": Cell("gru", 3, ("b_xh", "b_hh"), ("h_prev",), "rzn", gru.gru_forward, gru.gru_backward,
                gru.gru_step_forward, gru.gru_step_backward, torch_bridge.torch_gru_stack),
}
TORCH_SINGLE = {"rnn": torch_bridge.torch_rnn, "lstm": torch_bridge.torch_lstm, "gru": torch_bridge.torch_gru}
