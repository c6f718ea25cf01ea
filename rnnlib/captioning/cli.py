"""Command line for the caption-world captioners: train, evaluate (scores against a quality bar), sweep seeds.

    python -m rnnlib.captioning train --model showtell --seed 0 --steps 2000 --save assets/caption_showtell.pt
    python -m rnnlib.captioning train --model attention --seed 0 --steps 2000 --save assets/caption_attention.pt
    python -m rnnlib.captioning evaluate assets/caption_showtell.pt assets/caption_attention.pt [--method beam]
    python -m rnnlib.captioning sweep --model showtell --seeds 0 1 2 --steps 2000 [--save-dir DIR]

Each command ends with one line of key=value fields: train `model=... seed=... steps=... final_loss=... seconds=...`,
evaluate and sweep `bar_cleared=K/M` (how many models or seeds clear the bar below on the test split). Exit codes
follow rnnlib.cli.run_command: 0 done (bar cleared or not), 2 bad input with a one-line message on stderr.

What evaluate measures, and why: BLEU-1..4 of the greedy (or beam) captions against every reference, and the
per-attribute accuracy of the captions read back into objects (colour, shape, size, relation, count, exact).
A model clears the bar when, on the in-distribution test split, BLEU-4 >= 0.8 and colour, shape, size and
relation are each named right >= 95% of the time: BLEU alone would hide a wrong shape word, which costs only a
few n-grams. On the compositional split (colour-shape pairs never seen in training) there is no bar: the scores
and the gap between two models are printed as measured, to show what a model learned to combine. Training is
seeded (torch.manual_seed for the weights, the seed's generator for the minibatches), so a given seed and CPU
reproduce a checkpoint; other CPUs may differ in the last bits of float32 sums.
"""
from __future__ import annotations

import os
import statistics
import time

import torch

from .evaluation import ATTRIBUTES, evaluate
from .models import MODELS, build_model
from .training import load_checkpoint, save_checkpoint, train_captioner
from .world import CaptionVocab, make_split
from ..cli import number, one_line_parser, run_command

__all__ = ["main", "train_model", "score_table", "BAR_BLEU4", "BAR_ATTRIBUTE"]

BAR_BLEU4 = 0.8
BAR_ATTRIBUTE = 0.95
COLUMNS = ("bleu1", "bleu2", "bleu3", "bleu4") + ATTRIBUTES
PROG = "python -m rnnlib.captioning"
DEFAULTS = {"steps": 2000, "batch_size": 64, "lr": 3e-3, "train_size": 6000}


def train_model(kind, seed=0, steps=DEFAULTS["steps"], batch_size=DEFAULTS["batch_size"], lr=DEFAULTS["lr"],
                train_size=DEFAULTS["train_size"], progress=True, **config):
    """Build and train a captioner from seed: torch.manual_seed(seed) for the weights, rng=seed for the batches.

    Returns (model, meta) where meta records everything needed to train it again."""
    torch.manual_seed(seed)
    model = build_model(kind, len(CaptionVocab()), **config)
    data = make_split("train", n=train_size, seed=0)
    losses = train_captioner(model, data, steps=steps, batch_size=batch_size, lr=lr, rng=seed,
                             progress=progress).train_nats
    meta = {"seed": seed, "steps": steps, "batch_size": batch_size, "lr": lr, "train_size": train_size,
            "final_loss": sum(losses[-50:]) / len(losses[-50:]), "torch": str(torch.__version__)}
    return model, meta


def score_table(rows):
    """Text table: rows is a list of (label, scores dict)."""
    head = f"{'':28s}" + "".join(f"{c:>9s}" for c in COLUMNS)
    lines = [head] + [f"{label:28s}" + "".join(f"{s[c]:9.4f}" for c in COLUMNS) for label, s in rows]
    return "\n".join(lines)


def _bar(scores):
    attrs = {a: scores[a] for a in ("colour", "shape", "size", "relation")}
    ok = scores["bleu4"] >= BAR_BLEU4 and min(attrs.values()) >= BAR_ATTRIBUTE
    worst = min(attrs, key=attrs.get)
    return ok, (f"BLEU-4 {scores['bleu4']:.4f} (bar >= {BAR_BLEU4}), lowest attribute accuracy "
                f"{worst} {attrs[worst]:.4f} (bar >= {BAR_ATTRIBUTE}): {'cleared' if ok else 'not cleared'}")


def _splits(n):
    return {s: make_split(s, n=n) for s in ("test", "compositional")}


def _check_file(path):
    if not os.path.isfile(path):
        raise ValueError(f"checkpoint {path!r} not found (train one with: {PROG} train --model ... --save PATH)")
    return path


def cmd_train(args):
    if args.save and not os.path.isdir(os.path.dirname(os.path.abspath(args.save))):
        raise ValueError(f"--save must be a path in an existing folder; got {args.save!r}")
    start = time.perf_counter()
    model, meta = train_model(args.model, args.seed, args.steps, args.batch_size, args.lr, args.train_size)
    seconds = time.perf_counter() - start
    if args.save:
        save_checkpoint(args.save, model, CaptionVocab(), meta)
        print(f"saved {args.save} ({os.path.getsize(args.save):,} bytes)")
    print(f"model={args.model} seed={args.seed} steps={args.steps} final_loss={meta['final_loss']:.4f} seconds={seconds:.0f}")


def cmd_evaluate(args):
    models = [load_checkpoint(_check_file(path)) for path in args.checkpoints]
    splits, rows, met, by = _splits(args.n), [], 0, {}
    for path, (model, _, meta) in zip(args.checkpoints, models):
        for split, data in splits.items():
            scores, _ = evaluate(model, data, method=args.method, beam_width=args.beam_width)
            rows.append((f"{model.kind} s{meta.get('seed')} {split}", scores))
            by[(path, split)] = scores
            if split == "test":
                ok, line = _bar(scores)
                met += ok
                print(f"{path} test: {line}")
    print(f"\ndecoding: {args.method}" + (f" (beam width {args.beam_width})" if args.method == "beam" else ""))
    print(score_table(rows))
    if len(args.checkpoints) == 2:
        a, b = args.checkpoints
        gap = {c: by[(b, "compositional")][c] - by[(a, "compositional")][c] for c in ("bleu4", "colour", "shape", "exact")}
        print("\ncompositional split, second minus first: " + ", ".join(f"{c} {v:+.4f}" for c, v in gap.items()))
    print(f"bar_cleared={met}/{len(models)}")


def cmd_sweep(args):
    if args.save_dir and not os.path.isdir(args.save_dir):
        raise ValueError(f"--save-dir must be an existing folder; got {args.save_dir!r}")
    splits, results = _splits(args.n), {s: [] for s in ("test", "compositional")}
    for seed in args.seeds:
        model, meta = train_model(args.model, seed, args.steps, train_size=args.train_size, progress=False)
        if args.save_dir:  # the bytes of `train --model M --seed S --steps N --save .../caption_M.pt` on this machine
            os.makedirs(os.path.join(args.save_dir, f"seed{seed}"), exist_ok=True)  # torch.save records the file's name
            save_checkpoint(os.path.join(args.save_dir, f"seed{seed}", f"caption_{args.model}.pt"), model, CaptionVocab(), meta)
        for split, data in splits.items():
            scores, _ = evaluate(model, data)
            results[split].append(scores)
            print(f"{args.model} seed {seed} {split}: " + " ".join(f"{c}={scores[c]:.4f}" for c in COLUMNS), flush=True)
    for split, runs in results.items():
        print(f"\n{args.model} {split}, {len(runs)} seeds, {args.steps} steps: median [min, max]")
        for c in COLUMNS:
            vals = [r[c] for r in runs]
            print(f"  {c:9s} {statistics.median(vals):.4f} [{min(vals):.4f}, {max(vals):.4f}]")
    met = sum(_bar(r)[0] for r in results["test"])
    print(f"bar_cleared={met}/{len(args.seeds)}")


def build_parser():
    parser, parser_class = one_line_parser(PROG, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=parser_class)
    tr = sub.add_parser("train", help="train one captioner and save a checkpoint")
    tr.add_argument("--model", choices=sorted(MODELS), required=True)
    tr.add_argument("--seed", type=number(int, allow_zero=True), default=0)
    tr.add_argument("--steps", type=number(int), default=DEFAULTS["steps"])
    tr.add_argument("--batch-size", type=number(int), default=DEFAULTS["batch_size"])
    tr.add_argument("--lr", type=number(float), default=DEFAULTS["lr"])
    tr.add_argument("--train-size", type=number(int), default=DEFAULTS["train_size"])
    tr.add_argument("--save", help="checkpoint path, e.g. assets/caption_attention.pt")
    ev = sub.add_parser("evaluate", help="BLEU and per-attribute accuracy on test and compositional splits")
    ev.add_argument("checkpoints", nargs="+")
    ev.add_argument("--method", choices=("greedy", "beam"), default="greedy")
    ev.add_argument("--beam-width", type=number(int), default=3)
    ev.add_argument("--n", type=number(int), default=1000, help="scenes per split")
    sw = sub.add_parser("sweep", help="train several seeds; median and spread of the scores")
    sw.add_argument("--model", choices=sorted(MODELS), required=True)
    sw.add_argument("--seeds", type=number(int, allow_zero=True), nargs="+", default=[0, 1, 2])
    sw.add_argument("--steps", type=number(int), default=DEFAULTS["steps"])
    sw.add_argument("--train-size", type=number(int), default=DEFAULTS["train_size"])
    sw.add_argument("--save-dir", help="also save each seed's checkpoint there (seedS/caption_MODEL.pt)")
    sw.add_argument("--n", type=number(int), default=1000, help="scenes per split")
    return parser


def main(argv=None):
    """Run the command line; returns the exit code (0 done, 2 bad input with a one-line message)."""
    return run_command(PROG, build_parser(), lambda args: COMMANDS[args.command](args), argv, bad_input=(ValueError,))


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "sweep": cmd_sweep}
