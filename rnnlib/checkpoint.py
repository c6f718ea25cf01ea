"""One checkpoint format for every torch model of the course (the char-LSTM, the captioners).

A checkpoint is a plain dict that torch.load(..., weights_only=True) reads back without running any
pickled code:

    {"format": "rnnlib.checkpoint/1", "kind": str, "config": dict, "dtype": str,
     "state": {name: tensor}, "extra": dict of plain values}

`kind` names the model class (a family decides what it means), `config` holds the constructor's keyword
arguments (model.config), `dtype` is how the weights are stored ("float32" or "float16"; they are loaded
as float32), `extra` holds what the family needs besides the weights (a vocabulary, training metadata).
Families wrap these two functions in their own save_checkpoint / load_checkpoint.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ._validate import check_choice

__all__ = ["FORMAT", "DTYPES", "Checkpoint", "write_checkpoint", "read_checkpoint"]

FORMAT = "rnnlib.checkpoint/1"
DTYPES = ("float32", "float16")


class Checkpoint(NamedTuple):
    """What read_checkpoint returns: the model's kind, its constructor's config, float32 weights, extra."""
    kind: str
    config: dict
    state: dict
    extra: dict


def write_checkpoint(path, model, kind, extra=None, dtype="float32"):
    """Write model.state_dict() (as `dtype`), model.config, `kind` and `extra` to path.

    Inputs: path (str or Path), model (a torch.nn.Module with a `config` dict of its constructor's
    arguments), kind (str), extra (dict of plain values: str, int, float, lists and dicts of them),
    dtype ("float32" or "float16": float16 halves the file). Returns: the path as a Path.
    """
    import torch

    check_choice("dtype", dtype, DTYPES)
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string naming the model; got {kind!r}")
    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise ValueError(f"model must have a `config` dict of its constructor's arguments; got {type(config).__name__}")
    extra = {} if extra is None else extra
    if not isinstance(extra, dict):
        raise ValueError(f"extra must be a dict of plain values; got {type(extra).__name__}")
    store = getattr(torch, dtype)
    state = {k: v.detach().to(store).contiguous() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "kind": kind, "config": dict(config), "dtype": dtype, "state": state,
                "extra": dict(extra)}, path)
    return Path(path)


def read_checkpoint(path, kinds):
    """Read a checkpoint written by write_checkpoint, on the CPU, with torch.load(weights_only=True).

    Inputs: path, kinds (the kinds the caller can build, e.g. ("charlstm",)).
    Returns: Checkpoint(kind, config, state with float32 tensors, extra).
    Raises ValueError naming the path if it is missing, not such a checkpoint, or of another kind.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be a checkpoint file; got {str(path)!r}, which does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated file, a pickle with code in it, another format
        raise ValueError(f"path must be a checkpoint written by rnnlib.checkpoint.write_checkpoint; "
                         f"got {str(path)!r}, which torch cannot read as one ({type(err).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"path must be a checkpoint written by rnnlib.checkpoint.write_checkpoint "
                         f"(format {FORMAT!r}); got {str(path)!r}")
    if ckpt["kind"] not in kinds:
        raise ValueError(f"path must hold a model of kind {' or '.join(map(repr, kinds))}; "
                         f"got {str(path)!r}, which holds {ckpt['kind']!r}")
    state = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["state"].items()}
    return Checkpoint(ckpt["kind"], dict(ckpt["config"]), state, dict(ckpt["extra"]))
