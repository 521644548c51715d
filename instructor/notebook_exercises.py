"""Exercise notebooks generated from solution notebooks, and the written answers in a notebook.

In a solution notebook's code cells, the code learners write sits between the lines
``### BEGIN SOLUTION`` and ``### END SOLUTION``. The exercise notebook replaces each such
region, marker lines included, by ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at
the indentation of the ``BEGIN`` line, clears outputs and execution counts, and keeps
everything else byte for byte.

A written question is a markdown cell followed by a markdown cell whose first line is
``**Written answer (Q<key>):**`` and whose remaining text is the answer; in the exercise
notebook the answer becomes ``_Write your answer here._``.
"""

import copy
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from instructor.rubric import describe_exception

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
ANSWER_PLACEHOLDER = "_Write your answer here._"
# The header is matched at the very start of the cell; any text after it is the answer.
ANSWER_HEADER = re.compile(r"\*\*Written answer \(Q(?P<key>[^)\s]+)\):\*\*")

# Why an exercise notebook is stale, as reported by stale_exercises().
MISSING = "missing"
OUT_OF_DATE = "out of date"
EXTRA = "extra: there is no solution notebook for it"


class SolutionMarkerError(ValueError):
    """Solution markers that do not pair up."""


@dataclass(frozen=True)
class WrittenAnswer:
    """A written question, the learner's answer to it, and its key (``"4.3"``)."""

    key: str
    question: str
    answer: str


def strip_solution_regions(source: str) -> str:
    """Replace every marked solution region of a code cell's source by the exercise stub."""
    output = []
    begin_line = None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker.startswith(SOLUTION_BEGIN):
            if begin_line is not None:
                raise SolutionMarkerError(
                    f"line {number}: {SOLUTION_BEGIN!r} inside the region opened on line "
                    f"{begin_line}"
                )
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
        elif marker.startswith(SOLUTION_END):
            if begin_line is None:
                raise SolutionMarkerError(f"line {number}: {SOLUTION_END!r} without a BEGIN")
            # The END line's own line ending keeps a final line without newline as it was.
            ending = line[len(line.rstrip("\r\n")) :]
            output.append(f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError(){ending}")
            begin_line = None
        elif begin_line is None:
            output.append(line)
    if begin_line is not None:
        raise SolutionMarkerError(f"line {begin_line}: {SOLUTION_BEGIN!r} is never closed")
    return "".join(output)


def blank_answer(source: str) -> str:
    """A written-answer cell's source with the answer replaced by the placeholder."""
    header = ANSWER_HEADER.match(source)
    return f"{header.group(0)}\n{ANSWER_PLACEHOLDER}" if header else source


def exercise_notebook(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The exercise version of a solution notebook; ``name`` appears in error messages."""
    exercise = copy.deepcopy(solution)
    for number, cell in enumerate(exercise.cells, start=1):
        if cell.cell_type == "markdown":
            cell.source = blank_answer(cell.source)
        elif cell.cell_type == "code":
            try:
                cell.source = strip_solution_regions(cell.source)
            except SolutionMarkerError as error:
                raise SolutionMarkerError(f"{name}, cell {number}: {error}") from None
            cell.outputs = []
            cell.execution_count = None
    return exercise


def read_notebook(data: bytes, name: str) -> nbformat.NotebookNode:
    """Parse and validate notebook JSON, without nbformat's silent repairs.

    ``nbformat.reads`` invents random ids for cells lacking one, which would make generated
    exercises differ on every run; validating a copy reports problems without that.
    Raises ValueError, naming ``name``, for anything but a valid nbformat 4 notebook.
    """
    try:
        notebook = nbformat.reader.reads(data.decode("utf-8"))
        if notebook.get("nbformat") != 4:
            raise ValueError(f"nbformat {notebook.get('nbformat')}, not 4")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(copy.deepcopy(notebook))
    except Exception as error:
        # A schema violation's own message is short; its str() dumps the whole schema.
        details = getattr(error, "message", None) or describe_exception(error)
        raise ValueError(f"{name}: not a valid nbformat 4 notebook ({details})") from None
    return notebook


def notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    """Stable serialisation: nbformat's sorted, one-space-indented JSON plus a final newline."""
    return (nbformat.v4.writes(notebook, ensure_ascii=False) + "\n").encode("utf-8")


def written_answers(notebook: nbformat.NotebookNode) -> list[WrittenAnswer]:
    """The written answers of a notebook, each with the question in the markdown cell before it."""
    answers = []
    previous = ""
    for cell in notebook.cells:
        header = ANSWER_HEADER.match(cell.source) if cell.cell_type == "markdown" else None
        if header:
            answer = cell.source[header.end() :].strip()
            answers.append(WrittenAnswer(header.group("key"), previous.strip(), answer))
        previous = cell.source if cell.cell_type == "markdown" else ""
    return answers


def expected_exercises(solutions: Path) -> dict[str, bytes]:
    """{file name: exercise notebook bytes} for every notebook directly in ``solutions``."""
    expected = {}
    for path in sorted(solutions.glob("*.ipynb")):
        solution = read_notebook(path.read_bytes(), str(path))
        expected[path.name] = notebook_bytes(exercise_notebook(solution, str(path)))
    return expected


def stale_exercises(expected: dict[str, bytes], exercises: Path) -> list[tuple[Path, str]]:
    """(path, reason) for every exercise notebook that is MISSING, OUT_OF_DATE or EXTRA."""
    problems = []
    for name, data in expected.items():
        path = exercises / name
        if not path.exists():
            problems.append((path, MISSING))
        elif path.read_bytes() != data:
            problems.append((path, OUT_OF_DATE))
    problems += [
        (path, EXTRA) for path in sorted(exercises.glob("*.ipynb")) if path.name not in expected
    ]
    return problems


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so readers never see half a file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        # mkstemp makes the file private (0600); give it the mode an ordinary open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
