"""A toy chapter rubric and learner notebooks, good and hostile, for the grading tests.

The rubric is written into a throw-away package and registered through
``NNLIB_RUBRIC_MODULES`` (see :mod:`instructor.rubric`), exactly as a course author would
try out a new chapter.
"""

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

TOY_CHAPTER = "99_toy"
TOY_PACKAGE = "toy_rubrics"
TOY_RUBRIC = """
from instructor.rubric import Exercise


def grade_square(namespace):
    square = namespace["square"]
    if square(3) == 9 and square(-2) == 4:
        return 2, "square() is right."
    return 0, f"square(3) returned {square(3)!r} instead of 9."


def grade_counter(namespace):
    counter = namespace["Counter"]()
    counter.add(2)
    counter.add(3)
    if counter.total == 5:
        return 3, "Counter adds up."
    return 1, f"Counter exists, but after adding 2 and 3 its total is {counter.total!r}."


def grade_score(namespace):
    return namespace["score"](), "score() sets its own mark."


EXERCISES = [
    Exercise("1.1", "square", 2, grade_square),
    Exercise("1.2", "Counter", 3, grade_counter),
    Exercise("1.3", "score", 1, grade_score),
]
"""
FULL_MARKS = {"1.1": 2, "1.2": 3, "1.3": 1}

SQUARE = "def square(x):\n    return x * x"
COUNTER = (
    "class Counter:\n"
    "    def __init__(self):\n"
    "        self.total = 0\n"
    "\n"
    "    def add(self, value):\n"
    "        self.total += value"
)
SCORE = "def score():\n    return 1.0"
QUESTION = "md:Why does `square` never return a negative number?"
ANSWER = "md:**Written answer (Q1.4):**\nBecause a product of two equal signs is positive."
# Cells 1-3 define what the rubric checks; cells 4-5 are a written question and its answer.
GOOD = [SQUARE, COUNTER, SCORE, QUESTION, ANSWER]


def install_toy_rubric(root: Path) -> str:
    """Write the toy rubric package under ``root``; return the NNLIB_RUBRIC_MODULES entry."""
    package = root / TOY_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / f"ch{TOY_CHAPTER}.py").write_text(TOY_RUBRIC)
    return f"{TOY_CHAPTER}={TOY_PACKAGE}.ch{TOY_CHAPTER}"


def notebook_bytes(cells: list[str]) -> bytes:
    """A notebook of code cells, and markdown cells for sources starting with ``md:``."""
    notebook = nbformat.v4.new_notebook()
    for source in cells:
        if source.startswith("md:"):
            notebook.cells.append(nbformat.v4.new_markdown_cell(source[3:]))
        else:
            notebook.cells.append(nbformat.v4.new_code_cell(source))
    return nbformat.writes(notebook).encode("utf-8")


@dataclass
class Case:
    """A submission and what grading it must give.

    ``points`` maps exercise keys to expected points; ``feedback`` maps keys to a text the
    feedback must contain; ``errors`` lists (cell number, text) of the expected cell errors.
    """

    student: str
    content: bytes
    status: str = "graded"
    points: dict = field(default_factory=lambda: dict(FULL_MARKS))
    feedback: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    chapter: str = TOY_CHAPTER

    @property
    def path(self) -> str:
        return f"submissions/{self.student}/{self.chapter}.ipynb"


def _zero(reason: str) -> dict:
    """Expected points and feedback for a submission that earns nothing, for ``reason``."""
    return {
        "points": dict.fromkeys(FULL_MARKS, 0),
        "feedback": dict.fromkeys(FULL_MARKS, reason),
    }


HUGE_OUTPUT = 'print("x" * 200_000_000)'
VANDAL = (
    "import os\n"
    "for name in os.listdir('.'):\n"
    "    os.remove(name)\n"
    "with open('junk.txt', 'w') as file:\n"
    "    file.write('junk')\n"
    "os.makedirs('made/here')"
)

CASES = [
    Case("good", notebook_bytes(GOOD)),
    Case(
        "broken",
        notebook_bytes([SQUARE, COUNTER.replace("+= value", "= value"), SCORE]),
        points={**FULL_MARKS, "1.2": 1},
        feedback={"1.2": "its total is 3"},
    ),
    Case("invalid_json", b"{ not JSON", "invalid-notebook", **_zero("not a valid nbformat 4")),
    Case(
        "syntax_error",
        notebook_bytes([SQUARE, "class Counter:\n    def add(self value):\n        pass", SCORE]),
        points={**FULL_MARKS, "1.2": 0},
        feedback={"1.2": "KeyError: 'Counter'"},
        errors=[(2, "SyntaxError")],
    ),
    Case(
        "exception_midway",
        notebook_bytes([SQUARE, "raise ValueError('learner bug')", COUNTER, SCORE]),
        errors=[(2, "ValueError: learner bug")],
    ),
    Case(
        "missing_method",
        notebook_bytes([SQUARE, "class Counter:\n    total = 0", SCORE]),
        points={**FULL_MARKS, "1.2": 0},
        feedback={"1.2": "AttributeError"},
    ),
    Case(
        # The timeout covers the whole notebook: two 6 s cells exceed 10 s before the loop.
        # The runaway cell is stopped and what was defined before it is still graded.
        "infinite_loop",
        notebook_bytes([*GOOD, "import time\ntime.sleep(6)", "time.sleep(6)", "while True: pass"]),
        errors=[(7, "stopped: still running when the 10 s time limit ran out; cells 8 to 8")],
    ),
    Case(
        # A grading call that never ends: nothing can be graded, the kernel is killed.
        "grading_loops",
        notebook_bytes([SQUARE, COUNTER, "def score():\n    while True:\n        pass"]),
        "timeout",
        **_zero(
            "timed out: the notebook and its grading did not finish within 10 s; "
            "it was still running the grading call after the last cell"
        ),
    ),
    Case(
        "kernel_death",
        notebook_bytes([SQUARE, "import os\nos._exit(1)", COUNTER, SCORE]),
        "kernel-died",
        **_zero("the kernel died in cell 2"),
    ),
    Case(
        "nan",
        notebook_bytes([SQUARE, COUNTER, "def score():\n    return float('nan')"]),
        points={**FULL_MARKS, "1.3": 0},
        feedback={"1.3": "nan points"},
    ),
    Case("huge_output", notebook_bytes([SQUARE, HUGE_OUTPUT, COUNTER, SCORE])),
    Case("vandal", notebook_bytes([*GOOD, VANDAL])),
    Case(
        "shadowing",
        notebook_bytes([*GOOD, "import json\njson = open = None\nprint = lambda *args: None"]),
    ),
    Case(
        "unknown_chapter",
        notebook_bytes(GOOD),
        "unknown-chapter",
        points={"-": 0},
        feedback={"-": "01_dense_layer"},
        chapter="42_nothing",
    ),
]
