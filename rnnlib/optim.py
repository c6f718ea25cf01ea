"""Optimizers on dicts of numpy arrays: SGD (with optional momentum), Adagrad and Adam.

All three share one interface, on the same dicts that rnnlib's models use:

    opt = Adam(params, lr=1e-3)      # params: dict name -> float ndarray, updated in place
    loss, grads = ...                # grads: dict with the same names and shapes
    opt.step(grads)

Each optimizer keeps its running statistics in `opt.state[name]` (a dict of arrays shaped like the
parameter) and counts its updates in `opt.t`, so a notebook can look inside. The update rules
follow torch.optim (SGD without dampening or Nesterov; Adagrad without learning-rate decay; Adam
without weight decay), and the tests compare them with torch in float64:

- SGD:      buf = momentum * buf + g  (buf = g at the first step);  p -= lr * buf
- Adagrad:  G += g^2;  p -= lr * g / (sqrt(G) + eps)            (eps outside the square root, as torch)
            p -= lr * g / sqrt(G + eps)                        (eps_inside=True: min-char-rnn's form)
- Adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t)
            p -= lr * m_hat / (sqrt(v_hat) + eps)

Adam's bias correction matters most at the start: m and v begin at zero, so without it the first
steps would be scaled by (1 - b1) / sqrt(1 - b2) (about 3.2 for the defaults). With it, the first
step is m_hat / sqrt(v_hat) = g / |g|: every parameter moves by lr against the sign of its gradient.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from ._validate import check_array, check_number, check_param_dict

__all__ = ["Optimizer", "SGD", "Adagrad", "Adam", "adagrad_step", "adagrad_update"]


class Optimizer:
    """Base class: holds the parameters, the learning rate, the step count and per-parameter state.

    Subclasses implement `_update(name, param, grad, state)`, which changes `param` in place.
    """

    def __init__(self, params, lr):
        check_param_dict("params", params)
        for name, value in params.items():
            if not isinstance(value, np.ndarray):
                raise ValueError(f"params[{name!r}] must be a numpy array (it is updated in place); "
                                 f"got {type(value).__name__}")
        self.params = params
        self.lr = check_number("lr", lr, 0, low_open=True)
        self.t = 0
        self.state = {name: self._init_state(value) for name, value in params.items()}

    def _init_state(self, param):
        return {}

    def step(self, grads):
        """Apply one update to every parameter, in place, from `grads` (dict name -> array, same shapes)."""
        check_param_dict("grads", grads, self.params)
        for name, param in self.params.items():
            check_array(f"grads[{name!r}]", grads[name], tuple(f"_{i}" for i in range(param.ndim)),
                        {f"_{i}": s for i, s in enumerate(param.shape)})
        self.t += 1
        for name, param in self.params.items():
            self._update(name, param, np.asarray(grads[name], dtype=param.dtype), self.state[name])

    def _update(self, name, param, grad, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr}, t={self.t}, params={sorted(self.params)})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (heavy-ball) momentum as in torch.optim.SGD.

    Inputs: params (dict name -> float ndarray), lr > 0, momentum in [0, 1) (0: plain SGD).
    State: state[name]["buf"], the velocity (present only when momentum > 0).
    """

    def __init__(self, params, lr, momentum=0.0):
        self.momentum = check_number("momentum", momentum, 0, 1, high_open=True)
        super().__init__(params, lr)

    def _init_state(self, param):
        return {"buf": np.zeros_like(param)} if self.momentum > 0 else {}

    def _update(self, name, param, grad, state):
        if self.momentum > 0:
            buf = state["buf"]
            if self.t == 1:
                buf[...] = grad  # torch starts the velocity at the first gradient, not at zero
            else:
                buf *= self.momentum
                buf += grad
            grad = buf
        param -= self.lr * grad


def adagrad_step(param, grad, memory, lr, eps, eps_inside):
    """One Adagrad step on one array, in place on param and memory (the running sum G of squared gradients).

    memory += grad^2; param -= lr * grad / sqrt(memory + eps) (eps_inside, min-char-rnn's form) or
    / (sqrt(memory) + eps) (torch's form). The one formula behind Adagrad and adagrad_update.
    """
    memory += grad * grad
    denom = np.sqrt(memory + eps) if eps_inside else np.sqrt(memory) + eps
    param -= lr * grad / denom


def adagrad_update(params, grads, memory, lr=0.1, eps=1e-8):
    """Adagrad as min-char-rnn writes it, in place on the dicts params and memory:
    memory[k] += g^2; params[k] -= lr * g / sqrt(memory[k] + eps), for every name k in params.

    The one-call form that notebook 02 writes out; Adagrad(params, lr, eps=1e-8, eps_inside=True) gives
    the same numbers bit for bit (both call adagrad_step).
    """
    for k in params:
        adagrad_step(params[k], grads[k], memory[k], lr, eps, eps_inside=True)


class Adagrad(Optimizer):
    """Adagrad: each parameter's step is divided by the root of its summed squared gradients.

    Inputs: params, lr > 0 (torch's default is 0.01; min-char-rnn uses 0.1), eps >= 0,
    eps_inside: False (default) divides by sqrt(G) + eps as torch.optim.Adagrad does; True divides
    by sqrt(G + eps) as min-char-rnn does (eps = 1e-8 there). The two differ only where G is tiny.
    State: state[name]["sum"], the running sum G of squared gradients.
    """

    def __init__(self, params, lr=0.01, eps=1e-10, eps_inside=False):
        self.eps = check_number("eps", eps, 0)
        if not isinstance(eps_inside, bool):
            raise ValueError(f"eps_inside must be True or False; got {eps_inside!r}")
        self.eps_inside = eps_inside
        super().__init__(params, lr)

    def _init_state(self, param):
        return {"sum": np.zeros_like(param)}

    def _update(self, name, param, grad, state):
        adagrad_step(param, grad, state["sum"], self.lr, self.eps, self.eps_inside)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on the gradient, Adagrad-like scaling by its running RMS,
    both corrected for their start at zero.

    Inputs: params, lr > 0, betas = (b1, b2) each in [0, 1), eps >= 0.
    State: state[name]["m"] and state[name]["v"], the running first and second moments (uncorrected).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (b1, b2); got {betas!r}")
        self.betas = (check_number("betas[0]", betas[0], 0, 1, high_open=True),
                      check_number("betas[1]", betas[1], 0, 1, high_open=True))
        self.eps = check_number("eps", eps, 0)
        # 1 - b computed in decimal, so that betas (0.9, 0.999) weigh the new gradient by exactly the
        # floats 0.1 and 0.001, as a hand-written loop would (1 - 0.9 in binary is 0.09999999999999998).
        self._weights = tuple(float(Decimal(1) - Decimal(repr(b))) for b in self.betas)
        super().__init__(params, lr)

    def _init_state(self, param):
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def _update(self, name, param, grad, state):
        (b1, b2), (w1, w2) = self.betas, self._weights
        m, v = state["m"], state["v"]
        m *= b1
        m += w1 * grad
        v *= b2
        v += w2 * (grad * grad)
        m_hat = m / (1 - b1 ** self.t)
        v_hat = v / (1 - b2 ** self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
