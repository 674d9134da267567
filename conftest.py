"""Doctest collection of chainrule/ leaves out the modules of extras that are not installed.

chainrule/export's converters import `onnx` at module level (the `[onnx]` extra); without it,
importing them to look for doctests would fail, while the tests in tests/export skip.
"""
import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("onnx") else ["chainrule/export/[!_]*.py"]
