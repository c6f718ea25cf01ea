"""Thin ipywidgets wrappers around plain drawing functions (the drawing functions are unit tested).

Each wrapper builds controls, connects them to a drawing function from another rnnlib module,
and returns the widget to display. ipywidgets is imported inside the functions, so importing
rnnlib never needs a browser front end.
"""
