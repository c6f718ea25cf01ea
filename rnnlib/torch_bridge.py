"""Copy numpy weights into torch modules, so that torch can serve as the reference."""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_choice, check_param_dict, check_stacked_array

__all__ = ["TorchRNNLM", "torch_rnn", "torch_lstm", "torch_lstm_stack", "torch_gru", "torch_gru_stack",
           "lstm_params_from_torch", "torch_reference"]


def torch_rnn(W_xh, W_hh, b_h=None, dtype=None):
    """A one-layer, batch-first torch.nn.RNN(tanh) holding exactly these weights.

    Inputs:
    - W_xh: (H, D), W_hh: (H, H), b_h: (H,) or None for an RNN without bias.
    - dtype: torch dtype (default torch.float64, for parity checks).
    Returns: torch.nn.RNN; its weight_ih_l0 is W_xh and weight_hh_l0 is W_hh. With a bias, torch
    has two (b_ih and b_hh); b_h goes into bias_ih_l0 and bias_hh_l0 is zero.
    """
    import torch

    dtype = torch.float64 if dtype is None else dtype
    dims = {}
    W_xh = check_array("W_xh", W_xh, ("H", "D"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    if b_h is not None:
        b_h = check_array("b_h", b_h, ("H",), dims)
    H, D = W_xh.shape
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", bias=b_h is not None, batch_first=True, dtype=dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(W_xh)))
        rnn.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(W_hh)))
        if b_h is not None:
            rnn.bias_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(b_h)))
            rnn.bias_hh_l0.zero_()
    return rnn


def _as_tensor(a):
    import torch

    return torch.from_numpy(np.ascontiguousarray(a))


def _stacked_module(kind, layers, dtype):
    """torch.nn.LSTM / GRU with len(layers) layers holding the given numpy weights (see below)."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    gates = {"LSTM": 4, "GRU": 3}[kind]
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError(f"layers must be a non-empty list of per-layer weights; got {layers!r}")
    checked, D_in, bias = [], None, None
    for k, layer in enumerate(layers):
        dims = {} if k == 0 else {"D": D_in}
        W_xh = check_stacked_array(f"layers[{k}] W_xh", layer[0], gates, ("H", "D"), dims)
        W_hh = check_stacked_array(f"layers[{k}] W_hh", layer[1], gates, ("H", "H"), dims)
        biases = [None if b is None else check_stacked_array(f"layers[{k}] bias", b, gates, ("H",), dims) for b in layer[2:]]
        has_bias = any(b is not None for b in biases)
        if bias is not None and has_bias != bias:
            raise ValueError(f"layers[{k}] must have biases like layers[0] (all or none); got a mix")
        bias = has_bias
        checked.append((W_xh, W_hh, biases))
        D_in = dims["H"]
    H, D = checked[0][1].shape[1], checked[0][0].shape[1]
    module = getattr(torch.nn, kind)(D, H, num_layers=len(layers), bias=bias, batch_first=True, dtype=dtype)
    with torch.no_grad():
        for k, (W_xh, W_hh, biases) in enumerate(checked):
            getattr(module, f"weight_ih_l{k}").copy_(_as_tensor(W_xh))
            getattr(module, f"weight_hh_l{k}").copy_(_as_tensor(W_hh))
            if bias:
                getattr(module, f"bias_ih_l{k}").zero_()
                getattr(module, f"bias_hh_l{k}").zero_()
                for name, b in zip(("bias_ih", "bias_hh"), biases):
                    if b is not None:
                        getattr(module, f"{name}_l{k}").copy_(_as_tensor(b))
    return module


def torch_lstm(W_xh, W_hh, b_h=None, dtype=None):
    """A one-layer, batch-first torch.nn.LSTM holding exactly these weights (gates i, f, g, o).

    Inputs:
    - W_xh: (4H, D), W_hh: (4H, H), b_h: (4H,) or None for an LSTM without bias.
    - dtype: torch dtype (default torch.float64, for parity checks).
    Returns: torch.nn.LSTM; b_h goes into bias_ih_l0 and bias_hh_l0 is zero (torch adds the two).
    """
    return _stacked_module("LSTM", [(W_xh, W_hh, b_h)], dtype)


def torch_lstm_stack(layers, dtype=None):
    """A stacked torch.nn.LSTM (num_layers = len(layers)); layers[k] = (W_xh, W_hh, b_h) of layer k.

    Layer k > 0 reads layer k-1's hidden states, so its W_xh is (4H, H).
    """
    return _stacked_module("LSTM", [tuple(layer) for layer in layers], dtype)


def torch_gru(W_xh, W_hh, b_xh=None, b_hh=None, dtype=None):
    """A one-layer, batch-first torch.nn.GRU holding exactly these weights (gates r, z, n).

    Inputs:
    - W_xh: (3H, D), W_hh: (3H, H), b_xh: (3H,), b_hh: (3H,) (both None for a GRU without bias;
      one None means zeros). The two biases are not interchangeable: b_hh's n block sits inside r * (.).
    - dtype: torch dtype (default torch.float64, for parity checks).
    Returns: torch.nn.GRU.
    """
    return _stacked_module("GRU", [(W_xh, W_hh, b_xh, b_hh)], dtype)


def torch_gru_stack(layers, dtype=None):
    """A stacked torch.nn.GRU (num_layers = len(layers)); layers[k] = (W_xh, W_hh, b_xh, b_hh)."""
    return _stacked_module("GRU", [tuple(layer) for layer in layers], dtype)


def lstm_params_from_torch(module, layer=0):
    """Layer `layer` of a torch.nn.LSTM as rnnlib.lstm's numpy parameters (float64 copies).

    Returns: dict W_xh (4H, D), W_hh (4H, H), b_h (4H,) = bias_ih + bias_hh (zeros without bias).
    """
    import torch

    if not isinstance(module, torch.nn.LSTM):
        raise ValueError(f"module must be a torch.nn.LSTM; got {type(module).__name__}")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < module.num_layers:
        raise ValueError(f"layer must be in 0..{module.num_layers - 1}; got {layer!r}")
    get = lambda name: getattr(module, f"{name}_l{layer}").detach().to(torch.float64).numpy().copy()  # noqa: E731
    W_xh, W_hh = get("weight_ih"), get("weight_hh")
    b_h = get("bias_ih") + get("bias_hh") if module.bias else np.zeros(W_hh.shape[0])
    return {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h}


def torch_reference(kind, params, x, h0, dh, c0=None):
    """torch's outputs and gradients for rnnlib's RNN, LSTM or GRU, named as rnnlib names them.

    Inputs:
    - kind: "rnn" or "lstm" (params W_xh, W_hh, b_h) or "gru" (params W_xh, W_hh, b_xh, b_hh).
    - x: (N, T, D), h0: (N, H), dh: (N, T, H) upstream gradient (float64).
    - c0: (N, H) the LSTM's initial cell state, or None for zeros (only for kind "lstm").
    Returns: (h (N, T, H), dict of gradients "dx", "dh0", "dW_xh", "dW_hh", and "db_h" or "db_xh", "db_hh").
    """
    import torch

    kind = check_choice("kind", kind, ("rnn", "lstm", "gru"))
    module = {"rnn": torch_rnn, "lstm": torch_lstm, "gru": torch_gru}[kind](**params)
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    h0t = torch.tensor(np.asarray(h0, dtype=np.float64)[None], requires_grad=True)
    if kind == "lstm":
        c0t = torch.zeros_like(h0t) if c0 is None else torch.tensor(np.asarray(c0, dtype=np.float64)[None])
        out, _ = module(xt, (h0t, c0t))
    else:
        out, _ = module(xt, h0t)
    (out * torch.tensor(np.asarray(dh, dtype=np.float64))).sum().backward()
    grads = {"dx": xt.grad.numpy(), "dh0": h0t.grad.numpy()[0], "dW_xh": module.weight_ih_l0.grad.numpy(),
             "dW_hh": module.weight_hh_l0.grad.numpy()}
    if kind == "gru":
        grads["db_xh"], grads["db_hh"] = module.bias_ih_l0.grad.numpy(), module.bias_hh_l0.grad.numpy()
    else:
        grads["db_h"] = module.bias_ih_l0.grad.numpy()
    return out.detach().numpy(), grads


class TorchRNNLM:
    """Torch reference for rnnlib.bptt's RNN language model: torch_rnn plus an output layer, in float64.

    Built from the same params dict (W_xh, W_hh, b_h, W_hy, b_y); every weight is a leaf tensor that
    collects gradients, so tests compare rnnlib's gradients with grads() after loss(...).backward().

    - logits(x, h0=None): x (N, T, D) array or tensor, h0 (N, H) or None -> (logits (N, T, V), h_T (N, H)).
    - loss(x, targets, h0=None, reduction="sum"): softmax cross-entropy summed or averaged over tokens.
    - grads(): dict name -> numpy gradient under rnnlib's names (b_h is torch's bias_ih_l0).
    """

    NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")

    def __init__(self, params):
        import torch

        check_param_dict("params", params, self.NAMES)
        self.rnn = torch_rnn(params["W_xh"], params["W_hh"], params["b_h"])
        self.W_hy = torch.tensor(np.asarray(params["W_hy"], dtype=np.float64), requires_grad=True)  # (V, H)
        self.b_y = torch.tensor(np.asarray(params["b_y"], dtype=np.float64), requires_grad=True)  # (V,)

    def logits(self, x, h0=None):
        import torch

        x = x if isinstance(x, torch.Tensor) else torch.tensor(np.asarray(x, dtype=np.float64))
        if h0 is not None:
            h0 = (h0 if isinstance(h0, torch.Tensor) else torch.tensor(np.asarray(h0, dtype=np.float64)))[None]
        h, h_last = self.rnn(x, h0)  # (N, T, H), (1, N, H)
        return h @ self.W_hy.T + self.b_y, h_last[0]

    def loss(self, x, targets, h0=None, reduction="sum"):
        import torch

        check_choice("reduction", reduction, ("sum", "mean"))
        logits, _ = self.logits(x, h0)
        targets = torch.as_tensor(np.asarray(targets)).reshape(-1)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets, reduction=reduction)

    def grads(self):
        tensors = {"W_xh": self.rnn.weight_ih_l0, "W_hh": self.rnn.weight_hh_l0, "b_h": self.rnn.bias_ih_l0,
                   "W_hy": self.W_hy, "b_y": self.b_y}
        return {name: t.grad.numpy() for name, t in tensors.items()}
