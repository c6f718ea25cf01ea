"""Homework with nbgrader: student notebooks, hidden graded tests, autograding to one CSV.

    python -m rnnlib.homework release 04 [--out DIR]
    python -m rnnlib.homework grade 04 submissions/ [--out grades.csv] [--timeout S]

spec.py says which cells are exercises and what they are worth; release.py builds the nbgrader
source notebook from it and writes the student version; grade.py autogrades a class; hidden.py is
what the grade cells run. Importing this package does not import nbgrader (only the commands do).
"""
from .spec import HOMEWORK, Exercise, Homework, get_homework

__all__ = ["HOMEWORK", "Exercise", "Homework", "get_homework"]
