"""The results folder of a grading run: each result kept as it is graded, and reused.

``OUT/results/`` holds one JSON file per submission, written atomically as soon as the
submission is graded, so that a run that stops (Ctrl-C, a crash, a full disk) keeps every
result it finished. Each file records the result and its *key*: the notebook's SHA-256, the
grader's version for its chapter (:func:`grader_version`) and the grading options that change
results (the time limit). A run with ``resume`` reuses a kept result when its key is
unchanged, and grades everything else. Grader failures (a rubric that cannot be loaded, a
kernel that cannot start) are kept for the reports but never reused.

``OUT/results/index.json`` lists the results that the reports of the last run show, in
order: ``nnlib marks`` rebuilds the reports from it without running any notebook.
"""

import functools
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy

import instructor
import nnlib
from instructor.grading import (
    GRADER_FAILURES,
    Result,
    Submission,
    result_from_json,
    result_to_json,
)
from instructor.notebook_exercises import write_atomic
from instructor.rubric import RubricError, rubric_modules

RESULTS = "results"
INDEX = "index.json"
# Bumped whenever the files' layout changes: files of another format are not reused.
FORMAT = 1


class StoreError(Exception):
    """The results of a run cannot be read back (no run, a missing or damaged file)."""


class ResultStore:
    """The results folder ``out/results``: see the module docstring.

    ``options`` are the grading settings that change results (``{"timeout": 300.0}``), part
    of every key; ``resume`` says whether kept results may be reused.
    """

    def __init__(self, out: Path, options: dict, resume: bool = False):
        self.folder = out / RESULTS
        self.options = dict(options)
        self.resume = resume
        self._keys: dict[Submission, dict | None] = {}

    def prepare(self) -> None:
        """Create the folder (OSError if it cannot be)."""
        self.folder.mkdir(parents=True, exist_ok=True)

    def key(self, submission: Submission) -> dict | None:
        """What decides the submission's result, taken once (None: its file cannot be read)."""
        if submission not in self._keys:
            try:
                data = Path(submission.path).read_bytes()
            except OSError:
                self._keys[submission] = None
            else:
                self._keys[submission] = {
                    "notebook_sha256": hashlib.sha256(data).hexdigest(),
                    "grader": grader_version(submission.chapter),
                    **self.options,
                }
        return self._keys[submission]

    def path(self, submission: Submission) -> Path:
        """The submission's file: readable name, plus a hash of its path to keep it unique."""
        digest = hashlib.sha256(submission.path.encode("utf-8")).hexdigest()[:12]
        name = _safe(f"{submission.student}_{submission.chapter}")
        return self.folder / f"{name}-{digest}.json"

    def reusable(self, submission: Submission) -> Result | None:
        """The kept result of ``submission`` if resuming and its key is unchanged, else None."""
        key = self.key(submission)
        if not self.resume or key is None:
            return None
        try:
            data = json.loads(self.path(submission).read_bytes())
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            result = result_from_json(data["result"])
        except (OSError, ValueError, KeyError, AttributeError):
            return None
        if result.submission != submission or result.status in GRADER_FAILURES:
            return None
        return result

    def keep(self, result: Result) -> None:
        """Write ``result`` to its file, atomically (OSError if it cannot be written)."""
        data = {
            "format": FORMAT,
            "key": self.key(result.submission),
            "result": result_to_json(result),
        }
        write_atomic(self.path(result.submission), _json_bytes(data))

    def write_index(self, results: list[Result]) -> None:
        """Record which kept results the reports show, in their order."""
        files = [self.path(result.submission).name for result in results]
        write_atomic(self.folder / INDEX, _json_bytes({"format": FORMAT, "results": files}))


def load_results(out: Path) -> list[Result]:
    """The results that the reports in ``out`` show, read back from ``out/results``.

    Raises StoreError when there is no graded run there or a file is missing or damaged.
    """
    folder = out / RESULTS
    try:
        index = json.loads((folder / INDEX).read_bytes())
        if index.get("format") != FORMAT:
            raise ValueError(f"format {index.get('format')!r}, expected {FORMAT}")
        files = list(index["results"])
    except FileNotFoundError:
        raise StoreError(
            f"{folder / INDEX} does not exist: {out} holds no graded run (run nnlib grade first)"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise StoreError(f"{folder / INDEX} cannot be read: {error}") from None
    results = []
    for name in files:
        path = folder / str(name)
        try:
            results.append(result_from_json(json.loads(path.read_bytes())["result"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StoreError(
                f"{path} cannot be read ({error}): rerun nnlib grade with --resume to "
                f"rebuild the results"
            ) from None
    return results


def grader_version(chapter: str) -> str:
    """A hash of everything that decides a chapter's grades besides the notebook.

    The source of the ``instructor`` and ``nnlib`` packages (grader, rubrics, checks), the
    chapter's rubric module (which may live elsewhere, see NNLIB_RUBRIC_MODULES), and the
    Python and NumPy versions. Any change to one of them regrades the chapter.
    """
    try:
        module = rubric_modules().get(chapter, "")
    except RubricError:
        module = ""
    parts = {
        "code": _code_digest(),
        "rubric_module": module,
        "rubric_source": _module_digest(module),
        "python": sys.version,
        "numpy": numpy.__version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


@functools.cache
def _code_digest() -> str:
    """SHA-256 of every file of the instructor and nnlib packages (once per process)."""
    digest = hashlib.sha256()
    for package in (instructor, nnlib):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _module_digest(module: str) -> str:
    """SHA-256 of a module's source file ("" if it cannot be found)."""
    try:
        spec = importlib.util.find_spec(module) if module else None
        return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest() if spec else ""
    except (ImportError, ValueError, OSError, TypeError):
        return ""


def _safe(name: str) -> str:
    """``name`` with only letters, digits, ``.``, ``_`` and ``-`` (for a file name)."""
    return re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip(".") or "result"


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
