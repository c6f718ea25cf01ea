"""The one place that says what is homework: per notebook, its exercises, their points and checkers.

The committed notebooks carry no nbgrader metadata. At release (and grading) time each exercise is
found by content: the solution cell is the code cell defining `def <function>(`; its check cell is the
next code cell that mentions `<function>`. Release makes the solution cell an nbgrader solution cell and
inserts a locked grade cell with the exercise's points after the check cell; grading
(rnnlib.homework.judge) runs the exercise's checker on the student's function in a sandbox process.

Adding a notebook's exercises (05, 06 ...) is one `Homework` entry in HOMEWORK; its checkers take `rng`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOKS = ROOT / "notebooks"

__all__ = ["Exercise", "Homework", "HOMEWORK", "CATALOGUES", "reference_names", "get_homework"]


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    function: the name the solution cell defines (`def function(`), also the nbgrader grade id.
    points: what the grade cell is worth.
    checker: 'module:name' of the checker the notebook's check cell calls; grading calls it on the
        notebook's cases and with rng= on fresh ones (one function: the visible check is the test).
    references: 'module:name' of rnnlib's own implementations of the same thing; each is a trap that
        raises "write your own code" in the process that runs the student's code.
    uses: name -> 'module:name': earlier exercises this one calls, replaced by the reference while
        grading, so a wrong earlier answer costs only its own points.
    """

    function: str
    points: int
    checker: str
    references: tuple[str, ...] = ()
    uses: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Homework:
    """The exercises of one notebook; `path` is the instructor notebook (solutions filled in)."""

    key: str
    path: Path
    exercises: tuple[Exercise, ...]

    @property
    def assignment(self):
        return f"hw{self.key}"

    @property
    def max_points(self):
        return sum(ex.points for ex in self.exercises)


RNN_STEP = ("rnnlib.rnn:rnn_step_backward", "rnnlib.rnn:_step_backward")
RNN_LOOP = ("rnnlib.rnn:rnn_backward", "rnnlib.rnn:rnn_scan_backward", "rnnlib.bptt:bptt_loop",
            "rnnlib.checkers.explore:reference_rnn_backward")
# notebook 03's catalogue of buggy steps: 'in-place upstream' on a copy of dh_next, or 'scratch in cache' on
# a copy of the cache, is the right answer, so the whole catalogue is switched off for 03's exercises
STEP_BUGS = tuple(f"rnnlib.checkers.bugs:{name}" for name in (
    "step_no_tanh_derivative", "step_transposed_W_hh", "step_h_next_in_dW_hh", "step_tanh_of_h", "step_in_place",
    "step_scratch_in_cache", "step_db_wrong_axis"))
# torch's answers under rnnlib's names (a one-step sequence answers a step's exercise too)
TORCH = tuple(f"rnnlib.torch_bridge:{name}" for name in (
    "torch_reference", "torch_rnn", "torch_lstm", "torch_lstm_stack", "torch_gru", "torch_gru_stack", "_stacked_module"))
LSTM_BUGS = ("rnnlib.checkers.lstm:forward_with_bug", "rnnlib.checkers.lstm:backward_with_bug")
CLIP = ("rnnlib.clipping:clip_by_global_norm", "rnnlib.checkers.explore:reference_clip")

HOMEWORK = {
    "02": Homework("02", NOTEBOOKS / "02_char_rnn.ipynb", (
        Exercise("step_backward", 3, "rnnlib.checkers.charloop:check_step_backward",
                 ("rnnlib.charlm.loop:loop_step_backward",) + RNN_STEP),
        Exercise("adagrad_step", 2, "rnnlib.checkers.charloop:check_adagrad_step",
                 ("rnnlib.optim:adagrad_step", "rnnlib.optim:adagrad_update", "rnnlib.charlm.loop:loop_adagrad_update",
                  "rnnlib.checkers.explore:reference_adagrad_step")),
    )),
    "03": Homework("03", NOTEBOOKS / "03_bptt.ipynb", (
        Exercise("my_rnn_step_backward", 3, "rnnlib.checkers:check_rnn_step_backward",
                 RNN_STEP + RNN_LOOP + STEP_BUGS + TORCH),
        Exercise("my_rnn_backward", 3, "rnnlib.checkers:check_rnn_backward", RNN_LOOP + STEP_BUGS + TORCH,
                 uses={"my_rnn_step_backward": "rnnlib.rnn:rnn_step_backward"}),
    )),
    "04": Homework("04", NOTEBOOKS / "04_vanishing_exploding.ipynb", (
        Exercise("clip_by_norm", 3, "rnnlib.checkers:check_clip_by_norm", CLIP),
        Exercise("steps_to_shrink", 2, "rnnlib.checkers:check_shrink_steps",
                 ("rnnlib.jacobians:gradient_norm_curve", "rnnlib.jacobians:jacobian_norms")),
    )),
    "05": Homework("05", NOTEBOOKS / "05_lstm_gru.ipynb", (
        Exercise("my_lstm_step_forward", 3, "rnnlib.checkers.lstm:check_lstm_step_forward",
                 ("rnnlib.lstm:lstm_step_forward", "rnnlib.lstm:_cell") + LSTM_BUGS + TORCH),
        Exercise("my_lstm_step_backward", 3, "rnnlib.checkers.lstm:check_lstm_step_backward",
                 ("rnnlib.lstm:lstm_step_backward", "rnnlib.lstm:_cell_backward") + LSTM_BUGS + TORCH),
    )),
    "06": Homework("06", NOTEBOOKS / "06_captioning.ipynb", (
        Exercise("temporal_softmax_loss", 3, "rnnlib.checkers.captioning:check_temporal_softmax_loss",
                 ("rnnlib.checkers.captioning:_torch_temporal_softmax_loss", "rnnlib.layers:softmax_cross_entropy")),
        Exercise("beam_step", 2, "rnnlib.checkers.captioning:check_beam_step",
                 ("rnnlib.checkers.captioning:_reference_beam_step",)),
    )),
}


# catalogues and wrappers that hold references: their mention in an exercise cell is flagged too
CATALOGUES = ("STEP_BACKWARD_BUGS", "FORWARD_BUGS", "BACKWARD_BUGS", "TorchRNNLM", "torch_bridge")


def reference_names(exercise):
    """The names whose mention in the exercise's graded code is flagged ("review by hand"): its references'
    (trapped, so they score nothing anyway) and CATALOGUES; never an exercise's own name (02's adagrad_step
    is also rnnlib.optim's), nor what the course hands the exercise (03's rnn_step_backward in exercise 2)."""
    own = {ex.function for homework in HOMEWORK.values() for ex in homework.exercises}
    names = {target.split(":")[1] for target in exercise.references} | set(CATALOGUES)
    return tuple(sorted(names - own))


def get_homework(key):
    """The Homework for a notebook number such as '04' (or 4); ValueError naming the choices otherwise."""
    if isinstance(key, Homework):
        return key
    wanted = f"{int(key):02d}" if str(key).isdigit() else str(key)
    if wanted not in HOMEWORK:
        raise ValueError(f"notebook must be one of {sorted(HOMEWORK)} (the notebooks with exercises); got {key!r}")
    return HOMEWORK[wanted]
