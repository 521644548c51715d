"""Arrows point down only: the instructor's tools and the benchmark use nnlib, never the reverse.

A learner installs nnlib for the notebooks; importing any of its modules must not pull in the
grader, the rubrics (with their hidden checks), the benchmark, the book-style reference, or
the packages only those need.
"""

import subprocess
import sys

NOT_FOR_NNLIB = (
    "instructor",
    "benchmark",
    "reference",
    "nbclient",
    "nbformat",
    "nbconvert",
    "nbval",
    "torch",
    "threadpoolctl",
)

IMPORT_ALL_OF_NNLIB = """
import importlib, pkgutil, sys
import nnlib
names = [info.name for info in pkgutil.walk_packages(nnlib.__path__, "nnlib.")]
for name in names:
    importlib.import_module(name)
print(len(names))
print(" ".join(sorted(sys.modules)))
"""


def test_no_nnlib_module_imports_the_tools_built_on_it():
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_OF_NNLIB],
        capture_output=True,
        text=True,
        check=True,
    )
    count, modules = completed.stdout.splitlines()
    assert int(count) > 20, "pkgutil found too few nnlib modules: is nnlib where it should be?"
    imported = {name.split(".")[0] for name in modules.split()}
    assert "nnlib" in imported
    assert sorted(imported.intersection(NOT_FOR_NNLIB)) == []
