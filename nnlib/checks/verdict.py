"""The verdict of a self-check: what passed, the first thing that did not, and a hint.

A check is written as a generator that announces each step before doing it::

    @self_check
    def check_thing(Thing):
        yield "Thing() has a weights array"
        ...                      # raise CheckFailure(problem, hint) when something differs
        yield "forward on 5 samples"
        ...

:func:`self_check` turns it into a function that runs the steps in order, stops at the first
failure, prints the verdict (unless ``verbose=False``) and returns a :class:`CheckResult`.
An unfinished exercise (``NotImplementedError``) gives "not implemented yet"; any other
exception in the learner's code is summarised on one line, never as a traceback.
"""

import functools
import os
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PASSED = "passed"
FAILED = "failed"
NOT_IMPLEMENTED = "not implemented"
ERROR = "error"

# Frames from these folders are not the learner's: nnlib itself, the standard library, and
# installed packages (NumPy...). Whatever is left is code the learner wrote.
_LIBRARY_FOLDERS = tuple(
    str(Path(folder).resolve()) + os.sep
    for folder in {
        str(Path(__file__).resolve().parents[1]),
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
)
MAX_MESSAGE_CHARS = 200


class CheckFailure(Exception):
    """Raised by a check step: ``problem`` says what differs, ``hint`` where to look."""

    def __init__(self, problem: str, hint: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``status`` is PASSED, FAILED, NOT_IMPLEMENTED or ERROR; ``passed_steps`` the steps that
    passed, in order; ``failed_step`` the step that did not and ``problem`` what went wrong
    in it ("" if all passed); ``hint`` a pointer for fixing it.
    """

    name: str
    status: str
    passed_steps: tuple[str, ...] = ()
    failed_step: str = ""
    problem: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def summary(self) -> str:
        """One line: the status and, unless it passed, the problem."""
        if self.passed:
            return f"passed ({plural(len(self.passed_steps), 'check')})"
        if self.status == NOT_IMPLEMENTED:
            return f"not implemented yet: {self.problem}"
        return f"{self.status}: {_at(self.failed_step, self.problem)}"

    def report(self) -> str:
        """The verdict as printed in a notebook."""
        if self.status == NOT_IMPLEMENTED:
            return f"{self.name}: not implemented yet: {self.problem}"
        count = plural(len(self.passed_steps), "check")
        if self.passed:
            head = f"{self.name}: passed, {count}"
        else:
            label = "FAILED" if self.status == FAILED else "ERROR"
            after = f"after {count} passed" if self.passed_steps else "at the first check"
            head = f"{self.name}: {label} {after}"
        lines = [head, *(f"  ✓ {step}" for step in self.passed_steps)]
        if not self.passed:
            lines += [f"  ✗ {self.failed_step}", f"    {self.problem}"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _ipython_display_(self) -> None:
        """Show nothing: the check printed the verdict already (``print(result)`` repeats it)."""


def self_check(steps: Callable[..., Iterator[str]]) -> Callable[..., CheckResult]:
    """Make a check function out of a generator of step descriptions (see the module doc).

    The check takes the generator's arguments plus ``verbose`` (print the verdict, default
    True) and returns a :class:`CheckResult` named after the generator function.
    """

    @functools.wraps(steps)
    def check(*args, verbose: bool = True, **kwargs) -> CheckResult:
        result = run_steps(steps.__name__, steps(*args, **kwargs))
        if verbose:
            print(result.report())
        return result

    return check


def run_steps(name: str, steps: Iterator[str]) -> CheckResult:
    """Run announced steps until the end or the first problem; see :class:`CheckResult`."""
    passed: list[str] = []
    current = None
    with isolated_numpy():
        try:
            for description in steps:
                if current is not None:
                    passed.append(current)
                current = description
        except CheckFailure as failure:
            return CheckResult(
                name, FAILED, tuple(passed), current or "", failure.problem, failure.hint
            )
        except NotImplementedError as error:
            return CheckResult(
                name, NOT_IMPLEMENTED, tuple(passed), problem=unfinished_message(error)
            )
        except Exception as error:  # the learner's code may raise anything: summarise it
            return CheckResult(name, ERROR, tuple(passed), current or "", describe_error(error))
    if current is not None:
        passed.append(current)
    return CheckResult(name, PASSED, tuple(passed))


@contextmanager
def isolated_numpy() -> Iterator[None]:
    """Leave NumPy's global generator as it was, and keep NumPy's warnings quiet.

    Learners' classes draw from ``np.random`` (``Layer_Dense`` weights, dropout masks), so a
    check must put the state back; a wrong softmax overflowing is reported by the check, so
    its RuntimeWarning would only be noise.
    """
    state = np.random.get_state()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        np.random.set_state(state)


def describe_error(error: BaseException) -> str:
    """``Type: message``, and where in the learner's code it was raised, on one line.

    An error standing for one raised in another process (a grader's proxy of the learner's
    kernel) carries that description as ``learner_description``, and gives it as it is.
    """
    described = getattr(error, "learner_description", None)
    if isinstance(described, str):
        return described
    message = " ".join(str(error).split())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    frame = _learner_frame(error)
    if frame is None:
        return text
    function, line_number, line = frame
    return f"{text} (in {function}, line {line_number}" + (f": {line})" if line else ")")


def plural(count: int, noun: str) -> str:
    """``1 check``, ``2 checks``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def _at(step: str, problem: str) -> str:
    return f"{step}: {problem}" if step else problem


def unfinished_message(error: NotImplementedError) -> str:
    """Which of the learner's functions still raises NotImplementedError, as advice."""
    described = getattr(error, "learner_description", None)
    if isinstance(described, str):
        return described
    frames = traceback.extract_tb(error.__traceback__)
    where = _qualified_name(error, len(frames) - 1) if frames else "the code"
    return f"{where} still raises NotImplementedError: replace it with your code"


def _learner_frame(error: BaseException) -> tuple[str, int, str] | None:
    """(function, line number, source line) of the innermost frame in the learner's code."""
    frames = traceback.extract_tb(error.__traceback__)
    for index in range(len(frames) - 1, -1, -1):
        frame = frames[index]
        if not _is_library(frame.filename):
            return _qualified_name(error, index), frame.lineno or 0, (frame.line or "").strip()
    return None


def _qualified_name(error: BaseException, index: int) -> str:
    """``Class.method`` of the frame at ``index`` in the error's traceback."""
    tb = error.__traceback__
    for _ in range(index):
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_qualname


def add_library_folder(folder: str | Path) -> None:
    """Count frames from ``folder`` as library code, never as the learner's.

    A grader's checks live outside nnlib: without this, an error inside one would be shown
    with a line of the check's source, which the learner must not see.
    """
    global _LIBRARY_FOLDERS
    entry = str(Path(folder).resolve()) + os.sep
    if entry not in _LIBRARY_FOLDERS:
        _LIBRARY_FOLDERS = (*_LIBRARY_FOLDERS, entry)


def _is_library(filename: str) -> bool:
    if filename.startswith("<"):  # <frozen importlib...> is Python's; <string> is exec'd code
        return filename.startswith("<frozen")
    return str(Path(filename).resolve()).startswith(_LIBRARY_FOLDERS)
