"""The handout: the folder a class gets, with the course and none of its answers.

:func:`build` writes, into a new folder, the chapters (``notebooks/``), the exercise
notebooks (``exercises/``), the learner's library (``nnlib/``) and what sets them up, generated
here from templates: a ``pyproject.toml`` (nnlib with its dependencies and the ``lab`` extra,
the very pins of the course's own ``pyproject.toml``, and no instructor's subcommand), a
``Makefile`` whose ``make lab`` installs everything and opens JupyterLab, an
``environment.yml`` for conda, and a learner's ``README.md``. It holds no solution notebook,
no rubric, no benchmark, reference or test, and no git history.

Before writing anything it refuses exercise notebooks that are not what ``solutions/``
generate (a stale exercise can hold an old solution) and any handed-out file that imports
``instructor``, ``reference``, ``benchmark`` or ``tests`` (the handout would not run without
them). It never deletes files it did not write: the folder must be new or empty, and
``force`` replaces only a handout this module built, left exactly as it was built (checked
against the list of files and their SHA-256 it keeps in :data:`MANIFEST`).
"""

import ast
import hashlib
import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from instructor import notebook_exercises

# What is handed out from the course, as it is (minus caches and hidden files).
HANDED_OUT = ("notebooks", "exercises", "nnlib")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.egg-info")
# Packages beside nnlib that a handed-out file must not need.
NOT_HANDED_OUT = ("instructor", "reference", "benchmark", "tests")
# The extra a learner installs besides nnlib's own dependencies.
LEARNER_EXTRA = "lab"
CONDA_ENVIRONMENT = "nnfs-course"
# The handout's own record of what it wrote: {"files": {relative path: sha256}}.
MANIFEST = ".nnlib-handout.json"
BUILT_BY = "nnlib handout"
# An exact pin, safe to write unquoted in YAML and TOML lists.
PIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9._+!-]+")


class HandoutError(Exception):
    """The handout cannot be built: the reason says what to do (nothing has been written)."""


@dataclass(frozen=True)
class Handout:
    """A built handout: its folder and its files (relative path -> size in bytes)."""

    path: Path
    files: dict[str, int]

    @property
    def size(self) -> int:
        return sum(self.files.values())


def build(source: Path, out: Path, *, force: bool = False) -> Handout:
    """Build the handout of the course in ``source`` into the folder ``out``.

    ``out`` must not exist or be empty; with ``force`` it may also be a handout built here
    before and left untouched, which is then replaced. Raises :class:`HandoutError`, before
    anything is written or deleted, when the course or the folder is not fit for it.
    """
    source, out = source.resolve(), out.resolve()
    _check_course(source)
    replacing = _check_out(source, out, force)
    _check_exercises_current(source)
    problems = forbidden_imports(source)
    if problems:
        raise HandoutError(
            "handed-out files import what the handout leaves out:\n  " + "\n  ".join(problems)
        )
    generated = learner_files(source)

    out.parent.mkdir(parents=True, exist_ok=True)
    # Built beside ``out`` and moved in place at the end: never half a handout.
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent))
    try:
        for folder in HANDED_OUT:
            shutil.copytree(source / folder, building / folder, ignore=IGNORED)
        for name, text in generated.items():
            (building / name).write_text(text, encoding="utf-8")
        files = {
            path.relative_to(building).as_posix(): _sha256(path)
            for path in sorted(building.rglob("*"))
            if path.is_file()
        }
        manifest = {"built by": BUILT_BY, "files": files}
        (building / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        files[MANIFEST] = _sha256(building / MANIFEST)
        umask = os.umask(0)
        os.umask(umask)
        building.chmod(0o777 & ~umask)  # mkdtemp's folder is private (0700)
        _move_into_place(building, out, replacing)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return Handout(out, {name: (out / name).stat().st_size for name in files})


def _check_course(source: Path) -> None:
    needed = [*HANDED_OUT, "solutions", "pyproject.toml", "Makefile"]
    missing = [name for name in needed if not (source / name).exists()]
    if missing:
        raise HandoutError(
            f"{source} does not look like the course repository (no {', '.join(missing)}): "
            "run `nnlib handout` from the repository's root, or pass --source"
        )


def _check_out(source: Path, out: Path, force: bool) -> bool:
    """Whether ``out`` is an earlier handout to replace; raises if it must be left alone."""
    if out == source or source.is_relative_to(out):
        raise HandoutError(f"{out} holds the course itself: choose a folder outside it")
    for folder in (*HANDED_OUT, "solutions", "instructor"):
        if out.is_relative_to(source / folder):
            raise HandoutError(f"{out} is inside the course's {folder}/: choose another folder")
    if not out.exists():
        return False
    if not out.is_dir():
        raise HandoutError(f"{out} exists and is not a folder")
    if not any(out.iterdir()):
        return False
    if not force:
        raise HandoutError(
            f"{out} is not empty: choose a new folder, or pass --force to replace a handout "
            "built there before"
        )
    _check_untouched_handout(out)
    return True


def _check_untouched_handout(out: Path) -> None:
    """Refuse unless ``out`` is a handout built here, every file as it was built."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        built = manifest["files"]
        if manifest.get("built by") != BUILT_BY or not isinstance(built, dict):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise HandoutError(
            f"{out} is not empty and is not a handout built by `{BUILT_BY}` (no valid "
            f"{MANIFEST}); nothing was changed: empty it yourself or choose another folder"
        ) from None
    changed = []
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_symlink():
            changed.append(name)  # never built here, and never followed
        elif path.is_file() and name != MANIFEST and built.get(name) != _sha256(path):
            changed.append(name)
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if changed[10:] else "")
        raise HandoutError(
            f"{out} is a handout that has been changed since it was built (added or edited: "
            f"{shown}); --force replaces only an untouched handout, so nothing was changed: "
            "move those files away or choose another folder"
        )


def _move_into_place(building: Path, out: Path, replacing: bool) -> None:
    if not replacing:
        if out.exists():
            out.rmdir()  # empty, checked: rmdir fails rather than delete anything
        building.rename(out)
        return
    _check_untouched_handout(out)  # again, right before replacing it
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        building.rename(out)
    except BaseException:
        old.rename(out)  # the earlier handout back where it was
        raise
    shutil.rmtree(old)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_exercises_current(source: Path) -> None:
    """Refuse exercise notebooks that are not exactly what ``solutions/`` generate."""
    try:
        expected = notebook_exercises.expected_exercises(source / "solutions")
    except (ValueError, OSError) as error:
        raise HandoutError(f"cannot generate the exercises from solutions/: {error}") from None
    problems = notebook_exercises.stale_exercises(expected, source / "exercises")
    if problems:
        lines = [f"{path.relative_to(source)}: {reason}" for path, reason in problems]
        raise HandoutError(
            "exercises/ is not what solutions/ generate, and a stale exercise notebook can "
            "hold an old solution:\n  " + "\n  ".join(lines) + "\nrun `nnlib exercises` "
            "(or `make execute`), check the exercises, then build the handout again"
        )


def forbidden_imports(source: Path) -> list[str]:
    """``"path:line: imports name"`` for every handed-out import of :data:`NOT_HANDED_OUT`.

    Looks at the Python files of ``nnlib/`` and the code cells of the notebooks of
    ``notebooks/`` and ``exercises/`` (IPython's ``%`` and ``!`` lines left out), for
    ``import``/``from`` statements and ``importlib.import_module``/``__import__`` calls.
    """
    found = []
    for folder in HANDED_OUT:
        for path in sorted((source / folder).rglob("*")):
            if any(part in ("__pycache__", ".ipynb_checkpoints") for part in path.parts):
                continue
            name = path.relative_to(source).as_posix()
            if path.suffix == ".py":
                pieces = [(name, path.read_text(encoding="utf-8"))]
            elif path.suffix == ".ipynb":
                try:
                    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
                except (ValueError, KeyError, TypeError):
                    raise HandoutError(f"{name} is not a valid notebook") from None
                pieces = [
                    (f"{name}, cell {number}", _cell_source(cell))
                    for number, cell in enumerate(cells, start=1)
                    if cell["cell_type"] == "code"
                ]
            else:
                continue
            for where, code in pieces:
                found += [f"{where}:{line}: imports {module}" for line, module in _imports(code)]
    return found


def _cell_source(cell: dict) -> str:
    source = cell["source"]
    text = source if isinstance(source, str) else "".join(source)
    # IPython's magics and shell lines are not Python; blank them, keeping line numbers.
    return "\n".join("" if line.lstrip()[:1] in ("%", "!") else line for line in text.split("\n"))


def _imports(code: str) -> list[tuple[int, str]]:
    """(line, module) for every import in ``code`` of a package the handout leaves out."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # Not Python after all: at least the plain statements, line by line.
        statement = re.compile(r"^\s*(?:from|import)\s+([\w.]+)")
        matches = ((number, statement.match(line)) for number, line in enumerate(code.split("\n")))
        return [
            (number + 1, match.group(1))
            for number, match in matches
            if match and _not_handed_out(match.group(1))
        ]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module] if node.module and node.level == 0 else []
        elif isinstance(node, ast.Call) and _names_an_importer(node.func) and node.args:
            first = node.args[0]
            names = [first.value] if isinstance(first, ast.Constant) else []
        else:
            continue
        found += [(node.lineno, name) for name in names if _not_handed_out(name)]
    return found


def _names_an_importer(function: ast.expr) -> bool:
    name = getattr(function, "attr", None) or getattr(function, "id", None)
    return name in ("import_module", "__import__")


def _not_handed_out(module: object) -> bool:
    return isinstance(module, str) and module.split(".")[0] in NOT_HANDED_OUT


# The learner's set-up files: templates filled from the course's own pyproject.toml,
# Makefile and chapters. @NAME@ marks a value.

# The course's pyproject.toml as another folder needs it (the handout's, a Gradescope
# bundle's): the values of :func:`project_values`, and what differs (HEADER, DESCRIPTION,
# README, ENTRY_POINTS, PACKAGES).
PYPROJECT = """\
@HEADER@
[build-system]
requires = @BUILD_REQUIRES@
build-backend = @BUILD_BACKEND@

[project]
name = @NAME@
version = @VERSION@
description = @DESCRIPTION@
@README@requires-python = @REQUIRES_PYTHON@
license = @LICENSE@
dependencies = @DEPENDENCIES@

[project.optional-dependencies]
@EXTRA@ = @EXTRA_DEPENDENCIES@

[project.scripts]
nnlib = @SCRIPT@
@ENTRY_POINTS@
[tool.setuptools.packages.find]
include = @PACKAGES@
"""

MAKEFILE = """\
# `make lab`: creates .venv, installs nnlib and JupyterLab, fetches Fashion-MNIST (chapter 9)
# and opens JupyterLab in this folder, on notebooks/. Needs Python @PYTHON@ or later (python3).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# More than one BLAS thread slows a small machine down, and the book's numbers are 1 thread's.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: lab data install

$(BIN)/python:
\t$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
\t$(BIN)/python -m pip install -qq -e ".[@EXTRA@]"
\t$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
\ttouch $@

install: $(STAMP)

# Fashion-MNIST: found locally, or Debian's package when apt is there, or the official download.
@FETCH_DATA@
data: $(STAMP)
\t$(fetch_data)

# JupyterLab refuses to run as root unless told (containers are often root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Rooted here, so the chapters' links to their exercises (and back) open; starts on notebooks/.
lab: data
\t$(BIN)/jupyter lab --notebook-dir=. --FileContentsManager.preferred_dir=notebooks $(ALLOW_ROOT)
"""

ENVIRONMENT = """\
# Conda instead of `make lab`: `conda env create -f environment.yml`, `conda activate
# @ENVIRONMENT@`, `nnlib data` (Fashion-MNIST), then `jupyter lab` in this folder.
# The same pins as pyproject.toml: its dependencies and its `@EXTRA@` extra.
name: @ENVIRONMENT@
channels:
  - conda-forge
dependencies:
  - python=@PYTHON@
  - pip
  - pip:
@PIP@
      - --editable .
"""

README = """\
# Neural Networks from Scratch, the course

Jupyter notebooks that build a neural network in plain NumPy, one idea at a time, following
the book *Neural Networks from Scratch in Python* (Kinsley & Kukieła), and exercises in which
you write the pieces yourself.

| in this folder | what it is |
|---|---|
| `notebooks/` | the @COUNT@ chapters, to read and run in order |
| `exercises/` | one exercise notebook per chapter: what you hand back |
| `nnlib/` | the course's library, which the notebooks import |
| `Makefile`, `pyproject.toml`, `environment.yml` | what sets everything up |

## Set up

On Linux or macOS, with Python @PYTHON@ or later and `make`:

```bash
make lab
```

creates `.venv`, installs `nnlib` and JupyterLab into it, fetches the Fashion-MNIST data set
that chapter @LAST@ uses, and opens JupyterLab in this folder. Run it again whenever you come
back: it only installs what is missing. With conda instead:
`conda env create -f environment.yml && conda activate @ENVIRONMENT@`, then `nnlib data` and
`jupyter lab` in this folder.

## Where to start

Open the first chapter, `notebooks/@FIRST@`, and go in order;
each chapter ends with a link to its exercises. Every chapter writes its mathematics in the
notation of the sheet `notebooks/00_notation.ipynb`.

| # | chapter | exercises |
|---|---|---|
@CHAPTERS@

## Check your work

In an exercise notebook, write your code where a cell says `# YOUR CODE HERE`, in place of
the `raise NotImplementedError()` under it, and leave the lines around it as they are. Run
the cell, then the check cell after it: it prints what passed, or the first thing that did
not (expected against got) with a hint; before you start it says "not implemented yet". A
written question is answered in the cell below it, in place of `_Write your answer here._`.
The checks you run are not all of the grading: passing them means you are on the right
track.

## Hand in

Hand back your exercise notebooks, keeping their file names (`exercises/@EXAMPLE@`
goes back as `@EXAMPLE@`): they are graded by name. Before that, restart the kernel
and run each one from the top, so that what you hand back runs as it is.

If `make lab` cannot find Fashion-MNIST, run `.venv/bin/nnlib data` (it downloads the four
files) or set `NNLIB_DATA` to a folder holding them.
"""


def learner_files(source: Path) -> dict[str, str]:
    """The handout's generated files, {name: text}, from the course in ``source``."""
    project, build_system = course_project(source)
    core, extra = learner_requirements(project)
    python = minimum_python(project)
    values = {
        **project_values(project, build_system, LEARNER_EXTRA),
        "HEADER": "# nnlib, the course's library, and JupyterLab for its notebooks: `make lab` "
        "installs both.\n# The pins are the course's own (generated by `nnlib handout`); "
        "environment.yml lists the same.",
        "DESCRIPTION": toml_value(
            "Neural Networks from Scratch, the course: the notebooks' library, nnlib."
        ),
        "README": 'readme = "README.md"\n',
        "ENTRY_POINTS": "",
        "PACKAGES": '["nnlib*"]',
        "FETCH_DATA": fetch_data_recipe(source),
        "ENVIRONMENT": CONDA_ENVIRONMENT,
        "PIP": "\n".join(f"      - {requirement}" for requirement in [*core, *extra]),
    }
    chapters = _chapters(source)
    readme = {
        "COUNT": str(len(chapters)),
        "FIRST": chapters[0][1],
        "LAST": str(len(chapters)),
        "EXAMPLE": chapters[0][1],
        "CHAPTERS": "\n".join(
            f"| {number} | [{title}](notebooks/{name}) | [exercises](exercises/{name}) |"
            for number, (title, name) in enumerate(chapters, start=1)
        ),
        "PYTHON": python,
        "ENVIRONMENT": CONDA_ENVIRONMENT,
    }
    return {
        "README.md": fill_template(README, readme),
        "Makefile": fill_template(MAKEFILE, values),
        "pyproject.toml": fill_template(PYPROJECT, values),
        "environment.yml": fill_template(ENVIRONMENT, values),
    }


def course_project(source: Path) -> tuple[dict, dict]:
    try:
        pyproject = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
        return pyproject["project"], pyproject["build-system"]
    except (OSError, ValueError, KeyError) as error:
        raise HandoutError(f"cannot read the course's pyproject.toml: {error}") from None


def project_values(project: dict, build_system: dict, extra_name: str) -> dict[str, str]:
    """:data:`PYPROJECT`'s values taken from the course's ``project`` and ``build_system`` tables,
    with the extra ``extra_name``, and ``PYTHON``, the oldest Python it runs on."""
    core, extra = learner_requirements(project, extra_name)
    try:
        return {
            "BUILD_REQUIRES": toml_value(build_system["requires"]),
            "BUILD_BACKEND": toml_value(build_system["build-backend"]),
            "NAME": toml_value(project["name"]),
            "VERSION": toml_value(project["version"]),
            "REQUIRES_PYTHON": toml_value(project["requires-python"]),
            "LICENSE": toml_value(project["license"]),
            "DEPENDENCIES": toml_value(core),
            "EXTRA": extra_name,
            "EXTRA_DEPENDENCIES": toml_value(extra),
            "SCRIPT": toml_value(project["scripts"]["nnlib"]),
            "PYTHON": minimum_python(project),
        }
    except KeyError as error:
        raise HandoutError(f"the course's pyproject.toml has no {error}") from None


def learner_requirements(
    project: dict, extra_name: str = LEARNER_EXTRA
) -> tuple[list[str], list[str]]:
    """The course's core requirements and its ``lab`` extra (or another), each an exact pin."""
    try:
        core = list(project["dependencies"])
        extra = list(project["optional-dependencies"][extra_name])
    except KeyError as error:
        raise HandoutError(f"the course's pyproject.toml has no {error}") from None
    loose = [requirement for requirement in core + extra if not PIN.fullmatch(requirement)]
    if loose:
        raise HandoutError(f"the course's pyproject.toml has requirements not pinned: {loose}")
    return core, extra


def minimum_python(project: dict) -> str:
    match = re.fullmatch(r">=\s*(\d+\.\d+)", project.get("requires-python", ""))
    if not match:
        raise HandoutError("the course's requires-python is not of the form '>=X.Y'")
    return match.group(1)


def fetch_data_recipe(source: Path) -> str:
    """The course Makefile's ``fetch_data`` definition, as it is (its apt fallback included)."""
    makefile = (source / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^define fetch_data\n.*?^endef\n", makefile, re.MULTILINE | re.DOTALL)
    if not match:
        raise HandoutError("the course's Makefile has no `define fetch_data ... endef`")
    return match.group(0)


def _chapters(source: Path) -> list[tuple[str, str]]:
    """(title, file name) of every chapter, in order: the title from its first heading.

    A chapter is a notebook with exercises (a notebook of ``solutions/`` of the same name);
    the others (the notation sheet) are read alongside.
    """
    chapters = []
    for path in sorted((source / "notebooks").glob("*.ipynb")):
        if not (source / "solutions" / path.name).exists():
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "".join(cells[0]["source"]) if cells else ""
        heading = re.match(r"#\s+(?:Chapter \d+:\s*)?(.+)", text)
        chapters.append((heading.group(1).strip() if heading else path.stem, path.name))
    if not chapters:
        raise HandoutError("notebooks/ holds no chapter")
    return chapters


def toml_value(value: object) -> str:
    """``value`` (a string, a list of strings or a table of strings) as TOML."""
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[\n" + "".join(f"    {toml_value(item)},\n" for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    raise HandoutError(f"cannot write {value!r} in the handout's pyproject.toml")


def fill_template(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``@NAME@`` replaced by ``values[NAME]`` (not rescanned)."""
    return re.sub(r"@([A-Z_]+)@", lambda match: values[match.group(1)], template)
