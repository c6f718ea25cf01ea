"""rnnlib.checkpoint: one format for the course's torch models, read back on the CPU without pickled code."""
import pytest
import torch

from rnnlib.checkpoint import FORMAT, read_checkpoint, write_checkpoint


class Tiny(torch.nn.Module):
    def __init__(self, vocab_size, *, hidden_size=3):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "hidden_size": hidden_size}
        self.lin = torch.nn.Linear(hidden_size, vocab_size)
        self.register_buffer("count", torch.tensor([7]))


def tiny():
    torch.manual_seed(0)
    return Tiny(5, hidden_size=3)


@pytest.mark.parametrize("dtype, tol", [("float32", 0.0), ("float16", 1e-3)])
def test_round_trip_keeps_kind_config_extra_and_weights(tmp_path, dtype, tol):
    model = tiny()
    path = write_checkpoint(tmp_path / "m.pt", model, "tiny", extra={"symbols": ["a", "b"], "seed": 3}, dtype=dtype)
    ckpt = read_checkpoint(path, ("tiny",))
    assert (ckpt.kind, ckpt.config, ckpt.extra) == ("tiny", {"vocab_size": 5, "hidden_size": 3},
                                                    {"symbols": ["a", "b"], "seed": 3})
    assert ckpt.state["lin.weight"].dtype == torch.float32  # stored as dtype, always loaded as float32
    assert torch.allclose(ckpt.state["lin.weight"], model.lin.weight.detach(), atol=tol, rtol=0)
    assert torch.equal(ckpt.state["count"], torch.tensor([7]))  # integer buffers are left alone
    rebuilt = Tiny(**ckpt.config)
    rebuilt.load_state_dict(ckpt.state)
    assert torch.load(path, weights_only=True)["format"] == FORMAT


def test_float16_halves_the_weights(tmp_path):
    model = tiny()
    write_checkpoint(tmp_path / "a.pt", model, "tiny", dtype="float16")
    stored = torch.load(tmp_path / "a.pt", weights_only=True)["state"]
    assert stored["lin.weight"].dtype == torch.float16


def test_read_rejects_with_one_line_naming_the_path(tmp_path):
    write_checkpoint(tmp_path / "m.pt", tiny(), "tiny")
    with pytest.raises(ValueError, match=r"path must hold a model of kind 'charlstm'; got .*m\.pt', which holds 'tiny'"):
        read_checkpoint(tmp_path / "m.pt", ("charlstm",))
    with pytest.raises(ValueError, match="does not exist"):
        read_checkpoint(tmp_path / "missing.pt", ("tiny",))
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="format 'rnnlib.checkpoint/1'"):
        read_checkpoint(tmp_path / "other.pt", ("tiny",))
    (tmp_path / "junk.pt").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="torch cannot read"):
        read_checkpoint(tmp_path / "junk.pt", ("tiny",))


def test_write_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="dtype must be one of"):
        write_checkpoint(tmp_path / "m.pt", tiny(), "tiny", dtype="float64")
    with pytest.raises(ValueError, match="kind must be a non-empty string"):
        write_checkpoint(tmp_path / "m.pt", tiny(), "")
    with pytest.raises(ValueError, match="model must have a `config` dict"):
        write_checkpoint(tmp_path / "m.pt", torch.nn.Linear(2, 2), "tiny")
    with pytest.raises(ValueError, match="extra must be a dict"):
        write_checkpoint(tmp_path / "m.pt", tiny(), "tiny", extra=[1])
