"""Grade a folder of submissions: one CSV row per entry, written as each finishes; feedback per student.

Statuses (the `status` column), so that a broken submission never looks like an honest zero:
- graded: every exercise was judged; points per exercise (all or nothing).
- timed out / memory limit / crashed: an exercise ran past the timeout / used up its memory / its
  process died; that exercise scores 0, the others keep their points, `detail` says which.
- could not be read: not a notebook (invalid JSON, no or several notebooks in a folder or .zip); no points.
- skipped: not a submission (a .txt, a README, a hidden file); listed so nothing vanishes silently.
With record=True (`grade --record`) each readable submission's whole notebook also runs, sandboxed, for
the record: the `record` column and the feedback say how it went; it never changes the points.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import html
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from .judge import (RECORD_TIMEOUT, course_lines_of, judge_submission, kill_sandboxes, setup_source,
                    use_scratch_folder)
from .spec import get_homework
from .submissions import collect

__all__ = ["grade", "check_grading_inputs", "wrong_notebook_warning", "STATUSES", "columns"]

STATUSES = ("graded", "timed out", "memory limit", "crashed", "could not be read", "skipped")


def columns(homework):
    return ["id", "submission", "status", *(ex.function for ex in homework.exercises), "total", "max_total",
            "flags", "record", "seconds", "detail"]


def check_grading_inputs(homework, submissions, out, timeout, jobs, record_timeout=RECORD_TIMEOUT, resume=False):
    """ValueError (one line) for bad input, before anything is graded or printed; returns the collected
    submissions. `out` must be a file that can be written (tried, not guessed: /proc/x.csv is refused here);
    with resume, an existing `out` must have this notebook's columns."""
    homework = get_homework(homework)
    for name, value in (("timeout", timeout), ("record-timeout", record_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds; got {value!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {jobs!r}")
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"out must be a CSV file, not a folder; got {str(out)!r}")
    parent = next((p for p in [out.parent, *out.parent.parents] if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
        raise ValueError(f"out must be in a folder that can be written; got {str(out)!r}")
    cannot = f"out must be a file that can be written; got {str(out)!r}"
    if out.exists():
        if not out.is_file() or not os.access(out, os.W_OK):
            raise ValueError(cannot)
        if resume:
            _check_header(homework, out)
    elif out.parent.is_dir():  # try it: access() says yes to root in /proc
        try:
            with open(out, "x", encoding="utf-8"):
                pass
        except OSError:
            raise ValueError(cannot) from None
        with contextlib.suppress(OSError):
            out.unlink()
    found = collect(submissions)
    if not found:
        raise ValueError(f"submissions must hold at least one notebook; {str(submissions)!r} is empty")
    return found


def _check_header(homework, out):
    """ValueError unless the CSV at `out` is empty or starts with this notebook's columns (--resume)."""
    try:
        with open(out, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        header = ["?"]
    if header is not None and header != columns(homework):
        raise ValueError(f"--resume: {str(out)!r} does not hold {homework.assignment}'s grades (other columns); "
                         f"give this notebook's CSV, or another --out")


def _row(homework, submission, result, seconds):
    names = [ex.function for ex in homework.exercises]
    row = {"id": submission.id, "submission": submission.name, "status": result["status"]}
    scored = result["status"] not in ("could not be read", "skipped")
    points = {n: result["exercises"].get(n, {}).get("points", 0) for n in names}
    row.update({n: f"{points[n]:g}" if scored else "" for n in names})
    row["total"] = f"{sum(points.values()):g}" if scored else ""
    row["max_total"] = f"{homework.max_points:g}"
    row["flags"] = "; ".join(result.get("flags", []))
    row["record"] = result.get("record", "")
    row["seconds"] = f"{seconds:.1f}"
    row["detail"] = result.get("detail", "")
    return row


def _feedback_html(homework, submission, result):
    """The student's feedback: per exercise the verdict, the checker's sentence and the (capped) output."""
    esc = html.escape
    parts = [f"<h1>{esc(homework.path.stem)}: feedback for {esc(submission.name)}</h1>",
             f"<p>Status: {esc(result['status'])}. {esc(result.get('detail', '') if not result['exercises'] else '')}</p>"]
    total = sum(r["points"] for r in result["exercises"].values())
    for ex in homework.exercises:
        r = result["exercises"].get(ex.function)
        if r is None:
            continue
        parts.append(f"<h2>{esc(ex.function)}: {r['points']:g} / {ex.points:g} ({esc(r['status'])})</h2>"
                     f"<p>{esc(r['message'])}</p>")
        if r.get("output"):
            parts.append(f"<pre>{esc(r['output'])}</pre>")
    if result["exercises"]:
        parts.append(f"<p>Total: {total:g} / {homework.max_points:g}</p>")
    if result.get("record"):
        parts.append(f"<p>Your whole notebook, run from top to bottom for the record (it carries no points): "
                     f"{esc(result['record'])}</p>")
    return "<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"


def wrong_notebook_warning(homework, results):
    """One line when no judged submission defines any of the notebook's exercise functions (the class
    handed in another notebook, or the wrong number was given), else ''."""
    judged = [r for r in results if r["exercises"]]
    if not judged or any(not str(r.get("message", "")).startswith("no cell defines")
                         for result in judged for r in result["exercises"].values()):
        return ""
    names = [ex.function for ex in homework.exercises]
    listed = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return (f"warning: none of the {len(judged)} submissions defines {listed}; "
            f"is {homework.key} the right notebook?")


def _judge(args):
    homework, submission, timeout, salt, setup, lines, record, record_timeout = args
    start = time.perf_counter()
    if submission.skipped or submission.problem:
        status = "skipped" if submission.skipped else "could not be read"
        result = {"status": status, "exercises": {}, "flags": [], "detail": submission.problem, "record": ""}
    else:
        result = judge_submission(homework, submission, timeout, salt, setup, lines, record, record_timeout)
    return submission, result, time.perf_counter() - start


def _worker_exit(signum, frame):
    kill_sandboxes()
    os._exit(128 + signum)


def _worker_start(scratch):
    """A pool worker: Ctrl-C is the parent's to handle; the parent's SIGTERM (when it stops) ends the
    worker's sandboxes with it; trapped copies and sandbox folders go into the run's scratch folder."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_exit)
    use_scratch_folder(scratch)


def grade(homework, submissions, out="grades.csv", feedback=None, timeout=120, *, jobs=1, resume=False,
          salt="rnn-course", progress=False, on_row=None, record=False, record_timeout=RECORD_TIMEOUT):
    """Grade every entry of a folder; write each CSV row (and feedback/<id>.html) as it finishes.

    resume: keep the rows already in `out` and grade only the others. on_row(row): called per row.
    record: also run each submission's whole notebook for the record (judge.record_notebook, at most
    record_timeout seconds): its one line goes to the `record` column and the feedback, never to the points.
    Returns the rows written by this call, in the order they finished. KeyboardInterrupt propagates
    after the finished rows are on disk. When no graded submission defines any of the notebook's
    exercise functions, one warning line goes to stderr (the wrong notebook number?).
    """
    homework = get_homework(homework)
    found = check_grading_inputs(homework, submissions, out, timeout, jobs, record_timeout, resume)
    out = Path(out)
    feedback = Path(feedback) if feedback is not None else out.parent / "feedback"
    fields = columns(homework)
    done = set()
    fresh = not (resume and out.exists() and out.stat().st_size > 0)
    if not fresh:
        with open(out, newline="", encoding="utf-8") as f:
            done = {row["id"] for row in csv.DictReader(f)}
    todo = [s for s in found if s.id not in done]
    out.parent.mkdir(parents=True, exist_ok=True)
    setup, lines = setup_source(homework), course_lines_of(homework)
    tasks = [(homework, s, timeout, salt, setup, lines, record, record_timeout) for s in todo]
    rows, results = [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), unit="submission", desc=f"grading {homework.assignment}")
    with open(out, "w" if fresh else "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        if fresh:
            writer.writeheader()
            f.flush()

        def finish(submission, result, seconds):
            row = _row(homework, submission, result, seconds)
            if result["exercises"]:
                feedback.mkdir(parents=True, exist_ok=True)
                (feedback / f"{submission.id}.html").write_text(_feedback_html(homework, submission, result),
                                                                encoding="utf-8")
            writer.writerow(row)
            f.flush()
            rows.append(row)
            results.append(result)
            if bar is not None:
                bar.update(1)
            if on_row is not None:
                on_row(row)

        scratch = tempfile.TemporaryDirectory(prefix="rnnlib-grading-", ignore_cleanup_errors=True)  # removed when grading ends, however it ends
        try:
            if jobs == 1:
                use_scratch_folder(scratch.name)
                for task in tasks:
                    finish(*_judge(task))
            else:
                pool = concurrent.futures.ProcessPoolExecutor(jobs, initializer=_worker_start, initargs=(scratch.name,))
                try:
                    futures = [pool.submit(_judge, task) for task in tasks]
                    for future in concurrent.futures.as_completed(futures):
                        finish(*future.result())
                except BaseException:
                    processes = list(getattr(pool, "_processes", {}).values())
                    for process in processes:
                        process.terminate()  # each worker ends its sandboxes first (_worker_exit)
                    for process in processes:
                        process.join(10)
                        if process.is_alive():
                            process.kill()
                            process.join(5)
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
                pool.shutdown()
        finally:
            kill_sandboxes()  # jobs=1: one interrupted between starting a sandbox and closing it
            use_scratch_folder(None)
            scratch.cleanup()
            if bar is not None:
                bar.close()
    warning = wrong_notebook_warning(homework, results)
    if warning:
        print(warning, file=sys.stderr)
    return rows
