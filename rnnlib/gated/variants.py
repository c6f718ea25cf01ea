"""The slides' gated-cell variants as small torch modules, for comparisons (not for speed).

Each cell splits its work the way rnnlib.rnn does: `inputs(x)` computes everything that depends on x
alone for all steps at once, `step(xw_t, state)` is the sequential part. `RecurrentLayer` runs a cell
over a sequence and returns `(out (N, T, H), state)` like torch.nn.LSTM, so `variant_layer(name)` can
be handed to rnnlib.tasks.train_sequence_classifier in place of torch.nn.LSTM.

- "lstm_loop": the LSTM of rnnlib.lstm (gates i, f, g, o), to check this machinery against nn.LSTM.
- "peephole" (Gers & Schmidhuber 2000; the slides' "LSTM variants"): the gates also see the cell, i and f
  see c_{t-1}, o sees c_t. As in Gers & Schmidhuber and Greff et al., the peephole weights are diagonal
  (p * c); the slides' W·[C, h, x] suggests a full matrix.
- "coupled" (CIFG; the slides' "LSTM variants"): one gate decides both: c_t = f * c_{t-1} + (1 - f) * g.
- "mut1", "mut2", "mut3" (Jozefowicz et al. 2015, as the slides list them), with their update written as
  h_{t+1} = n * z + h_t * (1 - z) (Olah's direction of z). MUT1's tanh(x_t) and MUT2's bare x_t in r
  need x of size H; when D != H a bias-free linear map P (D -> H) is applied first (with one-hot
  inputs, an embedding).
"""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_choice

__all__ = ["CELLS", "RecurrentLayer", "variant_layer", "LSTMLoopCell", "PeepholeLSTMCell", "CoupledLSTMCell",
           "MUT1Cell", "MUT2Cell", "MUT3Cell"]


class _Cell(nn.Module):
    """Shared parts: the input projection Wx (D -> k*H, with bias) and the hidden projection."""

    has_cell_state = False

    def __init__(self, input_size, hidden_size, blocks, hidden_blocks):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.x_proj = nn.Linear(input_size, blocks * hidden_size)  # (kH, D) and the biases
        self.h_proj = nn.Linear(hidden_size, hidden_blocks * hidden_size, bias=False)
        bound = hidden_size**-0.5  # torch's RNN initialisation: U(-1/sqrt(H), 1/sqrt(H))
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def inputs(self, x):  # (N, T, D) -> (N, T, kH)
        return self.x_proj(x)

    def initial_state(self, N, like):
        h = like.new_zeros(N, self.hidden_size)
        return (h, h.clone()) if self.has_cell_state else h


class LSTMLoopCell(_Cell):
    """The plain LSTM, gates i, f, g, o (the same function as torch.nn.LSTM)."""

    has_cell_state = True
    forget_blocks = ((1, 1.0),)  # (block of x_proj.bias, sign): f
    remember_blocks = ((1, 1.0), (0, -1.0))  # keep more (f up), write less (i down)

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, 4, 4)

    def step(self, xw, state):
        h, c = state
        i, f, g, o = (xw + self.h_proj(h)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)


class PeepholeLSTMCell(LSTMLoopCell):
    """LSTM with diagonal peepholes: i, f see c_{t-1}; o sees c_t."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.peep = nn.Parameter(torch.zeros(3, hidden_size))  # p_i, p_f, p_o; zero = the plain LSTM

    def step(self, xw, state):
        h, c = state
        i, f, g, o = (xw + self.h_proj(h)).chunk(4, dim=1)
        c = torch.sigmoid(f + self.peep[1] * c) * c + torch.sigmoid(i + self.peep[0] * c) * torch.tanh(g)
        h = torch.sigmoid(o + self.peep[2] * c) * torch.tanh(c)
        return h, (h, c)


class CoupledLSTMCell(_Cell):
    """Coupled input and forget gates (gates f, g, o): c_t = f * c_{t-1} + (1 - f) * g."""

    has_cell_state = True
    forget_blocks = ((0, 1.0),)
    remember_blocks = ((0, 1.0),)  # f up: the write 1 - f goes down with it

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, 3, 3)

    def step(self, xw, state):
        h, c = state
        f, g, o = (xw + self.h_proj(h)).chunk(3, dim=1)
        f = torch.sigmoid(f)
        c = f * c + (1.0 - f) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)


class _MUT(_Cell):
    """MUT cells: x-side blocks, hidden weights (W_hr, W_hz as used) and W_hh acting on r * h."""

    remember_blocks = ((0, -1.0),)  # z (the first x-side block) down: h_{t+1} = n z + h (1 - z) keeps more

    def __init__(self, input_size, hidden_size, x_blocks, hidden_gates, raw_input=True):
        super().__init__(input_size, hidden_size, x_blocks, hidden_gates)
        H = hidden_size
        self.W_hh = nn.Linear(H, H, bias=False)  # acts on r * h
        nn.init.uniform_(self.W_hh.weight, -(H**-0.5), H**-0.5)
        self.b, self.P = None, None
        if raw_input:  # one block reads x itself: it has no W_x, only a bias b
            self.b = nn.Parameter(torch.empty(H).uniform_(-(H**-0.5), H**-0.5))
        if raw_input and input_size != hidden_size:
            self.P = nn.Linear(input_size, H, bias=False)  # only where x must have size H
            nn.init.uniform_(self.P.weight, -(input_size**-0.5), input_size**-0.5)

    def raw(self, x):  # x itself where D == H, else P x
        return x if self.P is None else self.P(x)

    def update(self, n, z, h):
        return n * z + h * (1.0 - z)


class MUT1Cell(_MUT):
    """z = sigm(W_xz x + b_z); r = sigm(W_xr x + W_hr h + b_r); n = tanh(W_hh (r * h) + tanh(x) + b_h)."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, 2, 1)  # x-side: z, r; hidden: W_hr

    def inputs(self, x):  # (N, T, 3H): z, r, n pre-activations from x
        return torch.cat([self.x_proj(x), torch.tanh(self.raw(x)) + self.b], dim=-1)

    def step(self, xw, h):
        xz, xr, xn = xw.chunk(3, dim=1)
        r = torch.sigmoid(xr + self.h_proj(h))
        h = self.update(torch.tanh(self.W_hh(r * h) + xn), torch.sigmoid(xz), h)
        return h, h


class MUT2Cell(_MUT):
    """z = sigm(W_xz x + W_hz h + b_z); r = sigm(x + W_hr h + b_r); n = tanh(W_hh (r * h) + W_xh x + b_h)."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, 2, 2)  # x-side: z, n; hidden: W_hz, W_hr

    def inputs(self, x):  # (N, T, 3H): z, r, n pre-activations from x
        xz, xn = self.x_proj(x).chunk(2, dim=-1)
        return torch.cat([xz, self.raw(x) + self.b, xn], dim=-1)

    def step(self, xw, h):
        xz, xr, xn = xw.chunk(3, dim=1)
        hz, hr = self.h_proj(h).chunk(2, dim=1)
        r = torch.sigmoid(xr + hr)
        h = self.update(torch.tanh(self.W_hh(r * h) + xn), torch.sigmoid(xz + hz), h)
        return h, h


class MUT3Cell(_MUT):
    """z = sigm(W_xz x + W_hz tanh(h) + b_z); r = sigm(W_xr x + W_hr h + b_r); n as in MUT2."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, 3, 1, raw_input=False)  # x-side: z, r, n; hidden: W_hr
        self.W_hz = nn.Linear(hidden_size, hidden_size, bias=False)  # acts on tanh(h)
        nn.init.uniform_(self.W_hz.weight, -(hidden_size**-0.5), hidden_size**-0.5)

    def step(self, xw, h):
        xz, xr, xn = xw.chunk(3, dim=1)
        r = torch.sigmoid(xr + self.h_proj(h))
        z = torch.sigmoid(xz + self.W_hz(torch.tanh(h)))
        h = self.update(torch.tanh(self.W_hh(r * h) + xn), z, h)
        return h, h


CELLS = {"lstm_loop": LSTMLoopCell, "peephole": PeepholeLSTMCell, "coupled": CoupledLSTMCell,
         "mut1": MUT1Cell, "mut2": MUT2Cell, "mut3": MUT3Cell}


class RecurrentLayer(nn.Module):
    """Run a cell over a batch-first sequence: forward(x (N, T, D), state=None) -> (out (N, T, H), state)."""

    def __init__(self, cell, batch_first=True):
        super().__init__()
        if not batch_first:
            raise ValueError("batch_first must be True (rnnlib is batch-first); got False")
        self.cell = cell

    def forward(self, x, state=None):
        xw = self.cell.inputs(x)  # (N, T, kH): the input part of every step at once
        state = self.cell.initial_state(x.shape[0], x) if state is None else state
        outs = []
        for t in range(x.shape[1]):
            h, state = self.cell.step(xw[:, t], state)
            outs.append(h)
        return torch.stack(outs, dim=1), state


_BUILTIN = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_BUILTIN_BLOCKS = {  # (block of bias_ih_l0, sign) for the built-in modules
    ("lstm", "forget"): ((1, 1.0),),
    ("lstm", "remember"): ((1, 1.0), (0, -1.0)),
    ("gru", "remember"): ((1, 1.0),),  # torch's z keeps the old state: h = (1 - z) n + z h_prev
}


def _shift_biases(module, name, kind, H, value):
    """Add sign * value to the named blocks of the input-side bias (kind: "forget" or "remember")."""
    if name in _BUILTIN:
        bias, blocks = module.bias_ih_l0, _BUILTIN_BLOCKS.get((name, kind))
    else:
        bias, blocks = module.cell.x_proj.bias, getattr(module.cell, f"{kind}_blocks", None)
    if blocks is None:
        what = "LSTM-type layers" if kind == "forget" else "gated layers"
        raise ValueError(f"{kind}_bias applies to {what}; got {name!r}")
    with torch.no_grad():
        for block, sign in blocks:
            bias[block * H : (block + 1) * H] += sign * value
    return module


def variant_layer(name, forget_bias=0.0, remember_bias=0.0):
    """A factory layer(input_size, hidden_size, batch_first=True) for one named recurrent layer.

    Inputs:
    - name: "rnn", "lstm", "gru" (torch's own modules) or a key of CELLS.
    - forget_bias: added to the forget gate's bias at initialisation (LSTM-type cells only;
      Jozefowicz et al. 2015 recommend 1).
    - remember_bias: one knob for every gated cell: shifts the biases so that at initialisation
      each unit keeps its old state with weight about sigmoid(remember_bias) and writes new input with
      about sigmoid(-remember_bias) (LSTM: f up and i down; coupled: f up; GRU: z up; MUT: z down).
      Tallec & Ollivier (2018, "chrono" initialisation) draw such a bias per unit; here it is one constant.
    Returns: a callable suitable as rnn_class for rnnlib.tasks.train_sequence_classifier.
    """
    check_choice("name", name, sorted(_BUILTIN) + sorted(CELLS))

    def layer(input_size, hidden_size, batch_first=True):
        if name in _BUILTIN:
            module = _BUILTIN[name](input_size, hidden_size, batch_first=batch_first)
        else:
            module = RecurrentLayer(CELLS[name](input_size, hidden_size), batch_first=batch_first)
        for kind, value in (("forget", forget_bias), ("remember", remember_bias)):
            if value:
                _shift_biases(module, name, kind, hidden_size, value)
        return module

    layer.__name__ = f"{name}_layer"
    return layer
