import numpy as np
import pytest
import torch

from rnnlib.tasks import (ClassifierRecord, MemoryTask, accuracy_vs_gap, initial_classifier, memory_task_batch,
                          sequence_classifier, sweep_gaps, train_sequence_classifier)


@pytest.mark.parametrize("gap, N, K, M", [(0, 3, 4, 4), (5, 7, 2, 3), (12, 1, 6, 1)])
def test_memory_task_batch_layout(gap, N, K, M):
    task = MemoryTask(gap, K, M)
    idx, y = memory_task_batch(task, N, np.random.default_rng(0))
    assert idx.shape == (N, gap + 2) and y.shape == (N,)
    assert idx.dtype == np.int64 and y.dtype == np.int64
    np.testing.assert_array_equal(idx[:, 0], y)  # the symbol to recall comes first
    assert np.all((y >= 0) & (y < K))
    assert np.all((idx[:, 1:-1] >= K) & (idx[:, 1:-1] < K + M))  # distractors never look like symbols
    assert np.all(idx[:, -1] == task.vocab_size - 1)  # the cue
    assert task.vocab_size == K + M + 1 and task.n_classes == K and task.chance == pytest.approx(1 / K)


def test_memory_task_batch_is_reproducible_and_covers_all_symbols():
    a = memory_task_batch(MemoryTask(3), 500, np.random.default_rng(4))
    b = memory_task_batch(MemoryTask(3), 500, np.random.default_rng(4))
    c = memory_task_batch(MemoryTask(3), 500, 4)  # an int seed, as check_rng accepts
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[0], c[0])
    assert memory_task_batch(MemoryTask(3), 2, None)[0].shape == (2, 5)
    assert set(np.unique(a[1])) == {0, 1, 2, 3}


@pytest.mark.parametrize("rnn_class", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_classifier_works_for_every_recurrent_class(rnn_class):
    torch.manual_seed(0)
    model = sequence_classifier(rnn_class, vocab_size=9, hidden_size=5, n_classes=4)
    idx, _ = memory_task_batch(MemoryTask(3), 6, np.random.default_rng(0))
    assert model(torch.from_numpy(idx)).shape == (6, 4)


def test_training_is_deterministic_and_restores_threads():
    threads = torch.get_num_threads()
    kwargs = dict(hidden_size=8, steps=15, batch_size=8, lr=1e-2, rng=3, eval_size=50)
    a = train_sequence_classifier(torch.nn.RNN, MemoryTask(2), **kwargs)
    b = train_sequence_classifier(torch.nn.RNN, MemoryTask(2), **kwargs)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.grad_norms, b.grad_norms)
    assert a.accuracy == b.accuracy and a.losses.shape == (15,)
    assert torch.get_num_threads() == threads
    c = train_sequence_classifier(torch.nn.RNN, MemoryTask(2), **{**kwargs, "rng": 4})
    assert not np.array_equal(a.losses, c.losses)


def test_rng_takes_a_generator_and_the_callback_sees_every_step_on_one_thread():
    threads = torch.get_num_threads()
    records, during = [], []

    def callback(record):
        records.append(record)
        during.append(torch.get_num_threads())

    kwargs = dict(hidden_size=4, steps=5, batch_size=4, eval_size=10)
    r = train_sequence_classifier(torch.nn.RNN, MemoryTask(2), rng=np.random.default_rng(5), callback=callback,
                                  progress=False, **kwargs)
    again = train_sequence_classifier(torch.nn.RNN, MemoryTask(2), rng=np.random.default_rng(5), **kwargs)
    np.testing.assert_array_equal(r.losses, again.losses)  # a Generator in the same state: the same run
    assert all(isinstance(rec, ClassifierRecord) for rec in records)
    assert [rec.step for rec in records] == list(range(5)) and [rec.loss for rec in records] == list(r.losses)
    assert [rec.first_state_grad_norm for rec in records] == list(r.first_state_grad_norms)
    assert during == [1] * 5 and torch.get_num_threads() == threads  # torch_threads(1), then restored


def test_short_gap_is_learned_with_every_recurrent_class():
    results = {cls.__name__: train_sequence_classifier(cls, MemoryTask(1), hidden_size=16, steps=80,
                                                       batch_size=32, lr=2e-2, eval_size=200)
               for cls in (torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM)}
    for name, r in results.items():
        assert r.accuracy > 0.9, name
        assert r.losses[-10:].mean() < 0.3 * r.losses[:10].mean(), name


def test_accuracy_vs_gap_returns_one_result_per_gap_in_order():
    res = accuracy_vs_gap(torch.nn.GRU, [3, 1], hidden_size=4, steps=3, batch_size=4, eval_size=20)
    assert list(res) == [3, 1]
    assert all(0.0 <= r.accuracy <= 1.0 and r.chance == 0.25 for r in res.values())


def test_nan_loss_stops_with_a_clear_message():
    class BrokenRNN(torch.nn.RNN):
        def forward(self, x, hx=None):
            out, h = super().forward(x, hx)
            return out * float("nan"), h

    threads = torch.get_num_threads()
    with pytest.raises(FloatingPointError, match=r"loss became nan at step 0 \(lr=0.01"):
        train_sequence_classifier(BrokenRNN, MemoryTask(2), hidden_size=4, steps=5)
    assert torch.get_num_threads() == threads  # restored when training stops with an error too


def test_bad_inputs_name_the_argument():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="task must be a MemoryTask"):
        memory_task_batch(5, 3, rng)
    with pytest.raises(ValueError, match="task.gap must be a non-negative integer"):
        memory_task_batch(MemoryTask(-1), 3, rng)
    with pytest.raises(ValueError, match="N must be a positive integer"):
        memory_task_batch(MemoryTask(2), 0, rng)
    with pytest.raises(ValueError, match="rng must be a np.random.Generator, a seed"):
        memory_task_batch(MemoryTask(2), 3, "0")
    with pytest.raises(ValueError, match="^rng must be"):
        train_sequence_classifier(torch.nn.RNN, MemoryTask(2), rng=-1)
    with pytest.raises(ValueError, match=r"^lr must be a number in \(0, inf\)"):
        train_sequence_classifier(torch.nn.RNN, MemoryTask(2), lr=0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train_sequence_classifier(torch.nn.RNN, MemoryTask(2), steps=0)
    with pytest.raises(ValueError, match="^max_norm must be a number in"):
        train_sequence_classifier(torch.nn.RNN, MemoryTask(2), max_norm=-1.0)


@pytest.mark.parametrize("rnn_class", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_forward_keeping_first_state_gives_the_same_logits_and_the_true_gradient(rnn_class):
    torch.manual_seed(1)
    model = sequence_classifier(rnn_class, vocab_size=9, hidden_size=6, n_classes=4).double()
    idx, y = memory_task_batch(MemoryTask(4), 5, np.random.default_rng(2))
    idx, y = torch.from_numpy(idx), torch.from_numpy(y)
    logits, state = model.forward_keeping_first_state(idx)
    torch.testing.assert_close(logits, model(idx), rtol=1e-12, atol=1e-12)
    torch.nn.functional.cross_entropy(logits, y).backward()
    states = state if isinstance(state, tuple) else (state,)
    # directional derivative of the loss along v, by central differences from the state after step 1
    x = torch.nn.functional.one_hot(idx, 9).double()
    v = [torch.randn_like(s) for s in states]

    def loss_from(eps):
        moved = tuple(s.detach() + eps * d for s, d in zip(states, v))
        out, _ = model.rnn(x[:, 1:], moved if isinstance(state, tuple) else moved[0])
        return torch.nn.functional.cross_entropy(model.head(out[:, -1]), y).item()

    numeric = (loss_from(1e-6) - loss_from(-1e-6)) / 2e-6
    analytic = sum(float((s.grad * d).sum()) for s, d in zip(states, v))
    assert abs(numeric - analytic) <= 1e-7 * max(1.0, abs(analytic))


def test_training_records_the_first_state_gradient_for_every_class():
    for cls in (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU):
        r = train_sequence_classifier(cls, MemoryTask(3), hidden_size=4, steps=4, batch_size=4, eval_size=10)
        assert r.first_state_grad_norms.shape == (4,) and np.all(np.isfinite(r.first_state_grad_norms))
        assert np.all(r.first_state_grad_norms > 0)


def test_sweep_gaps_collects_one_run_per_gap_and_seed_and_shows_the_vanishing_signal():
    kwargs = dict(hidden_size=16, steps=3, batch_size=16, eval_size=40)
    sweep = sweep_gaps(torch.nn.RNN, [1, 25], [0, 1], **kwargs)
    assert sweep.accuracy.shape == sweep.first_state_grad.shape == sweep.final_loss.shape == (2, 2)
    single = train_sequence_classifier(torch.nn.RNN, MemoryTask(25), rng=1, **kwargs)
    assert sweep.accuracy[1, 1] == single.accuracy and sweep.final_loss[1, 1] == single.losses[-1]
    assert sweep.first_state_grad[1, 1] == np.median(single.first_state_grad_norms[:1])
    assert sweep.grad_norm[1, 1] == np.median(single.grad_norms[:1]) and sweep.grad_norm.shape == (2, 2)
    # 24 more Jacobians (torch's init: spectral radius ~0.6 although sigma_max > 1) and tanh: far smaller
    assert np.all(sweep.first_state_grad[1] < 1e-3 * sweep.first_state_grad[0])
    with pytest.raises(ValueError, match="sweep_gaps takes seeds"):
        sweep_gaps(torch.nn.RNN, [1], [0], rng=3)
    with pytest.raises(ValueError, match="sweep_gaps takes seeds"):
        sweep_gaps(torch.nn.RNN, [1], [0], seed=3)
    with pytest.raises(ValueError, match="gaps and seeds must be non-empty"):
        sweep_gaps(torch.nn.RNN, [], [0])


def test_initial_classifier_is_the_model_training_starts_from():
    task = MemoryTask(3)
    start = initial_classifier(torch.nn.RNN, task, hidden_size=8, rng=5)
    torch.manual_seed(5)
    by_hand = sequence_classifier(torch.nn.RNN, task.vocab_size, 8, task.n_classes)
    for a, b in zip(start.parameters(), by_hand.parameters()):
        assert torch.equal(a, b)
    # one Adam step of size 1e-12 moves no weight by more than ~1e-12: training began at the same weights
    trained = train_sequence_classifier(torch.nn.RNN, task, hidden_size=8, rng=5, steps=1, lr=1e-12, eval_size=10)
    for a, b in zip(start.parameters(), trained.model.parameters()):
        assert torch.allclose(a, b, atol=1e-9, rtol=0)
    W = start.rnn.weight_hh_l0.detach().double().numpy()
    assert np.linalg.norm(W, 2) > np.abs(np.linalg.eigvals(W)).max()  # sigma_max above the spectral radius
    with pytest.raises(ValueError, match="^rng "):
        initial_classifier(torch.nn.RNN, task, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^hidden_size "):
        initial_classifier(torch.nn.RNN, task, hidden_size=0)
    with pytest.raises(ValueError, match="task"):
        initial_classifier(torch.nn.RNN, "gap 3")
