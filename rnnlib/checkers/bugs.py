"""The catalogue of classic bugs in a one-step RNN backward pass, defined once for notebooks and tests.

Each entry has the signature of rnnlib.rnn.rnn_step_backward, (dh_next, cache) -> (dx, dh_prev,
dW_xh, dW_hh, db_h), and is wrong in one way a student's code often is. The notebook on BPTT runs
them through rnnlib.bptt.rnn_lm_backward and the gradient check to show each bug's signature; the
tests check that check_rnn_step_backward names the gradient each one breaks.

    name                    what is wrong                                  what a check sees
    no tanh derivative      da = dh_next (tanh' forgotten)                 every output wrong
    W_hh.T in row form      dh_prev = da @ W_hh.T (column form copied)     only dh_prev wrong
    h_next in dW_hh         dW_hh = da.T @ h_next instead of h_prev        only dW_hh wrong
    tanh of h               tanh'(a) written as 1 - tanh(h_next)**2        every output slightly wrong
    in-place upstream       dh_next *= tanh' (changes the caller's array)  right once, wrong when reused
    scratch in cache        the cache's h_next overwritten as scratch       right once, cache corrupted
    db over wrong axis      db_h = da.sum(axis=1)                          db_h has shape (N,)

(charloop.BUGS is the same idea for min-char-rnn's per-character loop: switches rather than functions.)
"""
from __future__ import annotations

import numpy as np

__all__ = ["STEP_BACKWARD_BUGS"]


def step_no_tanh_derivative(dh_next, c):
    da = dh_next  # the tanh derivative is missing
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, da.T @ c.h_prev, da.sum(axis=0)


def step_transposed_W_hh(dh_next, c):
    da = dh_next * (1 - c.h_next**2)
    dh_prev = da @ c.W_hh.T  # the column form's W_hh^T da, pasted into row form
    return da @ c.W_xh, dh_prev, da.T @ c.x, da.T @ c.h_prev, da.sum(axis=0)


def step_h_next_in_dW_hh(dh_next, c):
    da = dh_next * (1 - c.h_next**2)
    dW_hh = da.T @ c.h_next  # the step's output where its input h_prev belongs
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, dW_hh, da.sum(axis=0)


def step_tanh_of_h(dh_next, c):
    da = dh_next * (1 - np.tanh(c.h_next) ** 2)  # tanh applied twice
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, da.T @ c.h_prev, da.sum(axis=0)


def step_in_place(dh_next, c):
    dh_next *= 1 - c.h_next**2  # modifies the caller's array
    return dh_next @ c.W_xh, dh_next @ c.W_hh, dh_next.T @ c.x, dh_next.T @ c.h_prev, dh_next.sum(axis=0)


def step_scratch_in_cache(dh_next, c):
    c.h_next[...] = 1 - c.h_next**2  # reuses the cache's array as scratch space
    da = dh_next * c.h_next
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, da.T @ c.h_prev, da.sum(axis=0)


def step_db_wrong_axis(dh_next, c):
    da = dh_next * (1 - c.h_next**2)
    db_h = da.sum(axis=1)  # sums over hidden units, not over the batch
    return da @ c.W_xh, da @ c.W_hh, da.T @ c.x, da.T @ c.h_prev, db_h


STEP_BACKWARD_BUGS = {
    "no tanh derivative": step_no_tanh_derivative,
    "W_hh.T in row form": step_transposed_W_hh,
    "h_next in dW_hh": step_h_next_in_dW_hh,
    "tanh of h": step_tanh_of_h,
    "in-place upstream": step_in_place,
    "scratch in cache": step_scratch_in_cache,
    "db over wrong axis": step_db_wrong_axis,
}
