"""Homework: student notebooks with nbgrader, grading each exercise in its own sandbox process, one CSV.

    python -m rnnlib.homework release 04 [--out DIR]
    python -m rnnlib.homework grade 04 submissions/ [--out grades.csv] [--timeout S] [--jobs N] [--resume]
    python -m rnnlib.homework bench --n 100

spec.py says which cells are exercises and what they are worth; release.py writes the student
version; submissions.py reads what a class handed in; judge.py grades one submission, running the
student's code only in sandbox.py processes; grade.py grades a class into a CSV and feedback files.
Importing this package does not import nbgrader (only release does).
"""
from .spec import HOMEWORK, Exercise, Homework, get_homework

__all__ = ["HOMEWORK", "Exercise", "Homework", "get_homework"]
