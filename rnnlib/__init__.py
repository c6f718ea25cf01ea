"""rnnlib: the small numpy library behind the rnn-course notebooks.

Notation (one table for code, markdown and plot labels; arrays are batch-first):

    math      code              shape                 meaning
    x_t       x[:, t]           (N, D)                input at step t (one-hot or embedding)
    h_t       h[:, t]           (N, H)                hidden state
    W_xh      W_xh              (H, D)                input -> hidden (torch: weight_ih_l0)
    W_hh      W_hh              (H, H)                hidden -> hidden (torch: weight_hh_l0)
    b_h       b_h               (H,)                  hidden bias
    W_hy,b_y  W_hy, b_y         (V, H), (V,)          hidden -> output logits
    z_t, ŷ_t  logits, probs     (N, T, V)             scores and softmax probabilities
    LSTM      W_xh, W_hh, b_h   (4H, D), (4H, H), (4H,)   gates stacked in torch order i, f, g, o
    GRU       W_xh, W_hh, b_xh, b_hh  (3H, D), (3H, H), (3H,), (3H,)  gates in torch order r, z, n

Letters: N batch, T time steps, D input size, H hidden size, V vocabulary size. Gradients are
"d" + name (dW_hh, dh_prev). One step in code:

    h = tanh(x @ W_xh.T + h_prev @ W_hh.T + b_h)

which is the slides' column form h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), transposed.

Names settled for every module (one knob name per idea):

    hidden_size   H, the number of hidden units (never `hidden`)
    batch_size    N, sequences per update (never `batch`)
    max_norm      the bound of clipping by global norm (never `limit` / `threshold`; clip_elementwise's
                  per-entry bound is `limit`, and the slides' erratum keeps its `threshold`)
    rng / seed    a function that draws random numbers takes `rng`: a np.random.Generator, an int seed
                  or None (rnnlib._validate.check_rng turns it into a Generator; rnnlib.seed.torch_seed
                  turns it into torch's seed). `seed`/`seeds` (ints) are only for command lines and for
                  functions that start several independent runs (set_seed, tasks.sweep_gaps).
    params        a dict name -> array, always the first argument: f(params, x, targets, h0, ...)
    affine        affine_forward(x, W, b) over any leading axes (the output layer: W_hy, b_y)
    loss          a function returns the loss it differentiates; training loops report nats per
                  token (the mean), bptt's derivation uses the sum (reduction="sum")

Importing rnnlib has no side effects: no seeding, no plot style, no printing.

The map: a folder per model family, the shared core at the top. Import a name from its home
(`from rnnlib.rnn import rnn_forward`); this package re-exports only the core below.

    core (this folder)     rnn, lstm, gru, layers (the numpy cells and layers); bptt, truncation,
                           lm_training, jacobians, clipping, optim, gradcheck (training and its
                           mathematics); decoding, text, tasks, trace, examples, torch_bridge (data,
                           decoding, torch parity); checkpoint (one format for torch models); plotting, pngtext,
                           widgets, source, progress, threads, cli, seed, paths, _validate (plumbing)
    rnnlib.charlm          the numpy character RNN: model, training, sampling, loop, plots, benchmark, cli
    rnnlib.charlstm        the character LSTM in torch: model, training, cells, cli
    rnnlib.gated           gated-cell variants, their comparison, gradients, GRU forms, the gate inspector
    rnnlib.captioning      the caption world, the numpy decoder, torch captioners, BLEU, analysis, widgets
    rnnlib.checkers        homework checkers and their exploration widgets (may import any family)
    rnnlib.homework        releasing and grading the homework (may import any family)
    rnnlib.slides          the lectures as offline HTML decks (slides from the notebooks' metadata), cli

Families do not import each other, and the core imports no family.
"""
from .examples import dogs_example
from .gradcheck import gradcheck, numerical_gradient, numerical_gradient_array, rel_error
from .layers import affine_backward, affine_forward, embedding_backward, embedding_forward, softmax, softmax_cross_entropy
from .paths import ASSETS_DIR, asset_path
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .seed import set_seed
from .text import Vocabulary, load_corpus, load_text, one_hot, train_val_split

__all__ = [
    "ASSETS_DIR",
    "Vocabulary",
    "affine_backward",
    "affine_forward",
    "asset_path",
    "dogs_example",
    "embedding_backward",
    "embedding_forward",
    "gradcheck",
    "load_corpus",
    "load_text",
    "numerical_gradient",
    "numerical_gradient_array",
    "one_hot",
    "rel_error",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "set_seed",
    "softmax",
    "softmax_cross_entropy",
    "train_val_split",
]
