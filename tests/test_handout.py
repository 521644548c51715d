"""``nnlib handout``: the folder a class gets holds the course and none of its answers.

The handout is built once into a temporary folder and searched, line by line, for the three
kinds of secret the repository keeps: the code of every solution region of ``solutions/``,
every written-answer model answer, and the source of the rubrics (``instructor/chapters/``,
hidden checks included). A search that finds nothing proves nothing unless it can find
something: the same search is run on copies of the handout with one secret planted in each.
"""

import ast
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml

from instructor import handout
from instructor.commands import handout as handout_command
from instructor.notebook_exercises import (
    ANSWER_HEADER,
    SOLUTION_BEGIN,
    SOLUTION_END,
    read_notebook,
    written_answers,
)
from nnlib import cli

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
RUBRICS = sorted((ROOT / "instructor" / "chapters").glob("*.py"))

# Lines too generic to mean anything, whatever file they come from: shorter than MIN_CHARS
# once white space is folded (`)`, `else:`, `return x`, `pass`, `$$`, a Markdown rule), or
# punctuation alone. Any Python or Markdown file has such lines; finding one in the handout
# would say nothing about where it came from. Every longer line is searched for.
MIN_CHARS = 12
# A rubric's function or class named by a single lowercase word (`exercise`, `run`) or in
# fewer than MIN_NAME_CHARS characters (`on`, `Part`) names nothing in particular.
MIN_NAME_CHARS = 6

SOLUTION, WRITTEN, RUBRIC, RUBRIC_NAME = "solution", "written answer", "rubric", "rubric name"


def normalise(line: str) -> str:
    return " ".join(line.split())


def distinctive(line: str) -> bool:
    return len(line) >= MIN_CHARS and re.search(r"\w", line) is not None


def solution_notebooks() -> dict[str, object]:
    return {path.name: read_notebook(path.read_bytes(), str(path)) for path in SOLUTIONS}


def split_regions(source: str) -> tuple[list[str], list[str]]:
    """(lines inside the solution regions, lines outside them), marker lines left out."""
    inside, outside, in_region = [], [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker.startswith(SOLUTION_BEGIN) or marker.startswith(SOLUTION_END):
            in_region = marker.startswith(SOLUTION_BEGIN)
            continue
        (inside if in_region else outside).append(line)
    return inside, outside


def solution_lines() -> dict[str, set[str]]:
    """{line: the solution notebooks with it in a solution region}."""
    found = {}
    for name, notebook in solution_notebooks().items():
        for cell in notebook.cells:
            if cell.cell_type == "code":
                for line in split_regions(cell.source)[0]:
                    found.setdefault(normalise(line), set()).add(name)
    return {line: names for line, names in found.items() if distinctive(line)}


def given_lines() -> dict[str, set[str]]:
    """{exercise notebook: the lines it is given}: its solution's lines outside the answers."""
    given = {}
    for name, notebook in solution_notebooks().items():
        lines = set()
        for cell in notebook.cells:
            if cell.cell_type == "code":
                lines.update(split_regions(cell.source)[1])
            elif not ANSWER_HEADER.match(cell.source):
                lines.update(cell.source.splitlines())
        given[name] = {normalise(line) for line in lines}
    return given


def written_answer_lines() -> dict[str, set[str]]:
    found = {}
    for name, notebook in solution_notebooks().items():
        for answer in written_answers(notebook):
            for line in answer.answer.splitlines():
                found.setdefault(normalise(line), set()).add(name)
    return {line: names for line, names in found.items() if distinctive(line)}


def rubric_lines() -> dict[str, set[str]]:
    """Every line of every rubric module but its imports: function bodies and EXERCISES."""
    found = {}
    for path in RUBRICS:
        source = path.read_text(encoding="utf-8")
        imports = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                imports.update(range(node.lineno, node.end_lineno + 1))
        for number, line in enumerate(source.splitlines(), start=1):
            if number not in imports:
                found.setdefault(normalise(line), set()).add(path.name)
    return {line: names for line, names in found.items() if distinctive(line)}


def rubric_names() -> set[str]:
    """The functions and classes the rubrics define, the hidden checks among them."""
    names = set()
    for path in RUBRICS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
    return {
        name
        for name in names
        if len(name) >= MIN_NAME_CHARS and not (name.isalpha() and name.islower())
    }


def strings(value: object):
    """Every string in a notebook's JSON: sources, outputs and metadata alike."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            yield from strings(item)


def file_lines(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    pieces = strings(json.loads(text)) if path.suffix == ".ipynb" else [text]
    return {normalise(line) for piece in pieces for line in piece.splitlines()}


class Secrets:
    """What the handout must not hold, read from the repository once."""

    def __init__(self):
        self.by_kind = {
            SOLUTION: solution_lines(),
            WRITTEN: written_answer_lines(),
            RUBRIC: rubric_lines(),
        }
        self.given = given_lines()
        self.names = rubric_names()

    def allowed(self, kind: str, line: str, name: str) -> bool:
        """Whether a secret line may stand in the handout file ``name``.

        The chapters write each exercise's piece in the open, with the book's names, and
        nnlib is the reference the self-checks compare against: code lines there are the
        course itself, and the book's code is often the very code an exercise asks for. An
        exercise notebook may hold the lines it is generated with (its given code), which
        may be part of another exercise's answer. Nothing else is allowed: not a written
        answer anywhere, nor a solution or rubric line in any other file.
        """
        folder, _, rest = name.partition("/")
        if kind == WRITTEN:
            return False
        if folder in ("notebooks", "nnlib"):
            return True
        return folder == "exercises" and line in self.given.get(rest, ())

    def find(self, folder: Path) -> list[tuple[str, str, str]]:
        """(file, kind, line or name) for every secret found in ``folder``."""
        found = []
        for path in sorted(path for path in folder.rglob("*") if path.is_file()):
            name = path.relative_to(folder).as_posix()
            lines = file_lines(path)
            for kind, secrets in self.by_kind.items():
                found += [
                    (name, kind, line)
                    for line in sorted(lines.intersection(secrets))
                    if not self.allowed(kind, line, name)
                ]
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [
                (name, RUBRIC_NAME, secret)
                for secret in sorted(self.names)
                if re.search(rf"\b{re.escape(secret)}\b", text)
            ]
        return found


@pytest.fixture(scope="module")
def secrets():
    return Secrets()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return handout.build(ROOT, tmp_path_factory.mktemp("handout") / "class")


def course_copy(destination: Path) -> Path:
    """A copy of what the handout is built from, to break in a test."""
    for folder in (*handout.HANDED_OUT, "solutions"):
        shutil.copytree(ROOT / folder, destination / folder, ignore=handout.IGNORED)
    for name in ("pyproject.toml", "Makefile"):
        shutil.copy(ROOT / name, destination / name)
    return destination


def test_the_handout_holds_the_course_and_nothing_else(built):
    top = {path.name for path in built.path.iterdir()}
    assert top == {
        "notebooks",
        "exercises",
        "nnlib",
        "pyproject.toml",
        "Makefile",
        "environment.yml",
        "README.md",
        handout.MANIFEST,
    }
    for folder in handout.HANDED_OUT:
        expected = {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and not path.name[0] == "."
        }
        here = {name for name in built.files if name.startswith(f"{folder}/")}
        assert here == expected
        for name in here:
            assert (built.path / name).read_bytes() == (ROOT / name).read_bytes(), name
    assert not list(built.path.rglob("__pycache__"))
    assert set(built.files) == {
        path.relative_to(built.path).as_posix() for path in built.path.rglob("*") if path.is_file()
    }


def test_no_solution_written_answer_or_hidden_check_is_in_the_handout(built, secrets):
    # The search must have something to search for: if these fall, a change in how the
    # secrets are marked has emptied the search, and it would pass on anything.
    assert len(secrets.by_kind[SOLUTION]) >= 80
    assert len(secrets.by_kind[WRITTEN]) >= 40
    assert len(secrets.by_kind[RUBRIC]) >= 150
    assert {"check_dense_gradients_numerically", "grade_parts"} <= secrets.names
    assert secrets.find(built.path) == []


def planted_solution(secrets, exercise: str) -> str:
    """A solution line of the last chapter that the ``exercise`` notebook is not given."""
    last = SOLUTIONS[-1].name
    return sorted(
        line
        for line, names in secrets.by_kind[SOLUTION].items()
        if last in names and line not in secrets.given[exercise]
    )[0]


def add_cell(notebook: Path, cell_type: str, line: str) -> None:
    content = json.loads(notebook.read_text(encoding="utf-8"))
    cell = {"cell_type": cell_type, "id": "planted", "metadata": {}, "source": [line]}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    content["cells"].append(cell)
    notebook.write_text(json.dumps(content), encoding="utf-8")


@pytest.mark.parametrize("kind", [SOLUTION, WRITTEN, RUBRIC, RUBRIC_NAME])
def test_the_search_finds_a_planted_secret(built, secrets, tmp_path, kind):
    copy = tmp_path / "class"
    shutil.copytree(built.path, copy)
    first = SOLUTIONS[0].name
    if kind == SOLUTION:
        line = planted_solution(secrets, first)
        name = f"exercises/{first}"
        add_cell(copy / name, "code", "    " + line)
    elif kind == WRITTEN:
        line = sorted(secrets.by_kind[WRITTEN])[0]
        name = f"notebooks/{first}"
        add_cell(copy / name, "markdown", line)
    elif kind == RUBRIC:
        line = max(sorted(secrets.by_kind[RUBRIC]), key=len)
        name = "README.md"
        with (copy / name).open("a", encoding="utf-8") as file:
            file.write(f"\n{line}\n")
    else:
        line = "check_dense_gradients_numerically"
        name = "nnlib/checks/__init__.py"
        with (copy / name).open("a", encoding="utf-8") as file:
            file.write(f"\n# see {line}\n")
    assert secrets.find(copy) == [(name, kind, line)]


def test_nothing_handed_out_imports_what_the_handout_leaves_out():
    assert handout.forbidden_imports(ROOT) == []


def test_the_handout_pins_are_the_course_core_and_lab_pins(built):
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())
    learner = tomllib.loads((built.path / "pyproject.toml").read_text())
    assert learner["build-system"] == course["build-system"]
    project = learner["project"]
    assert project["name"] == "nnlib"
    assert project["dependencies"] == course["project"]["dependencies"]
    assert project["optional-dependencies"] == {
        "lab": course["project"]["optional-dependencies"]["lab"]
    }
    assert project["requires-python"] == course["project"]["requires-python"]
    assert project["scripts"] == {"nnlib": "nnlib.cli:main"}
    assert "entry-points" not in project, "no grade, exercises or bench for learners"
    assert learner["tool"] == {"setuptools": {"packages": {"find": {"include": ["nnlib*"]}}}}


def test_the_handout_environment_yml_lists_the_same_pins(built):
    project = tomllib.loads((built.path / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((built.path / "environment.yml").read_text())
    pip = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert len(pip) == 1
    assert pip[0] == [
        *project["dependencies"],
        *project["optional-dependencies"]["lab"],
        "--editable .",
    ]
    python = project["requires-python"].removeprefix(">=")
    assert f"python={python}" in environment["dependencies"]


IMPORT_FROM_THE_HANDOUT = """
import importlib, importlib.util, pkgutil, sys
# -S: no site, so no .pth file and no editable install of the course's packages; the
# installed dependencies (NumPy, nnfs, matplotlib) are found in site-packages all the same.
sys.path += {site_packages}
import nnlib
names = [info.name for info in pkgutil.walk_packages(nnlib.__path__, "nnlib.")]
for name in names:
    importlib.import_module(name)
print(nnlib.__file__)
print(len(names))
print([name for name in {missing} if importlib.util.find_spec(name)])
"""


def test_nnlib_imports_from_the_handout_and_the_instructor_does_not(built):
    paths = sysconfig.get_paths()
    code = IMPORT_FROM_THE_HANDOUT.replace(
        "{site_packages}", repr(sorted({paths["purelib"], paths["platlib"]}))
    ).replace("{missing}", repr(handout.NOT_HANDED_OUT))
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=built.path,  # -c puts the current folder first on sys.path
        env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    location, count, importable = completed.stdout.splitlines()
    assert Path(location).is_relative_to(built.path)
    assert int(count) > 20
    assert importable == "[]"


def test_the_handout_makefile_sets_up_the_lab(built):
    makefile = (built.path / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.MULTILINE)
    assert handout.fetch_data_recipe(ROOT) in makefile, "the course's data recipe, apt and all"
    if shutil.which("make"):
        completed = subprocess.run(
            ["make", "-n", "lab"], cwd=built.path, capture_output=True, text=True, check=True
        )
        for step in ("-m venv .venv", 'pip install -qq -e ".[lab]"', "nnlib data", "jupyter lab"):
            assert step in completed.stdout, step
        assert "preferred_dir=notebooks" in completed.stdout


def test_the_handout_readme_says_how_to_start_check_and_hand_in(built):
    readme = (built.path / "README.md").read_text()
    assert "make lab" in readme
    for path in SOLUTIONS:
        assert f"(notebooks/{path.name})" in readme and f"(exercises/{path.name})" in readme
    assert "# YOUR CODE HERE" in readme and "keeping their file names" in readme
    # The notation sheet is read alongside, not a chapter with exercises.
    assert f"the {len(SOLUTIONS)} chapters" in readme and "`notebooks/01_" in readme
    assert "(exercises/00_notation.ipynb)" not in readme and "00_notation.ipynb" in readme


def test_stale_exercises_are_refused(tmp_path):
    course = course_copy(tmp_path / "course")
    stale = course / "exercises" / SOLUTIONS[3].name
    stale.write_bytes(stale.read_bytes().replace(b"YOUR CODE HERE", b"a stale cell"))
    with pytest.raises(handout.HandoutError, match=rf"{stale.name}: out of date"):
        handout.build(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_import_of_the_instructor_tools_is_refused_and_named(tmp_path):
    course = course_copy(tmp_path / "course")
    (course / "nnlib" / "sneaky.py").write_text(
        "import importlib\nfrom reference.book_style import Layer_Dense\n"
        "checks = importlib.import_module('instructor.chapters')\n"
    )
    add_cell(course / "notebooks" / SOLUTIONS[0].name, "code", "%matplotlib inline\nimport tests")
    with pytest.raises(handout.HandoutError) as refused:
        handout.build(course, tmp_path / "out")
    message = str(refused.value)
    assert "nnlib/sneaky.py:2: imports reference.book_style" in message
    assert "nnlib/sneaky.py:3: imports instructor.chapters" in message
    assert f"notebooks/{SOLUTIONS[0].name}, cell" in message and ":2: imports tests" in message
    assert not (tmp_path / "out").exists()


def test_a_folder_with_files_is_never_emptied(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for force in (False, True):
        with pytest.raises(handout.HandoutError, match="not empty"):
            handout.build(ROOT, out, force=force)
        assert [path.name for path in out.iterdir()] == ["notes.txt"]


def test_force_replaces_only_an_untouched_handout(tmp_path):
    out = tmp_path / "out"
    out.mkdir()  # an empty folder is fine
    first = handout.build(ROOT, out)
    with pytest.raises(handout.HandoutError, match="pass --force"):
        handout.build(ROOT, out)
    again = handout.build(ROOT, out, force=True)
    assert again.files == first.files
    (out / "exercises" / "mine.ipynb").write_text("{}")
    (out / "README.md").write_text("edited")
    with pytest.raises(handout.HandoutError, match="README.md, exercises/mine.ipynb"):
        handout.build(ROOT, out, force=True)
    assert (out / "README.md").read_text() == "edited"
    assert (out / "exercises" / "mine.ipynb").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_the_handout_is_not_built_inside_what_it_hands_out(tmp_path):
    with pytest.raises(handout.HandoutError, match="inside the course's notebooks/"):
        handout.build(ROOT, ROOT / "notebooks" / "handout")
    with pytest.raises(handout.HandoutError, match="holds the course itself"):
        handout.build(ROOT, ROOT.parent)


def test_the_command_builds_and_refuses(tmp_path, capsys):
    out = tmp_path / "class"
    assert cli.main(["handout", str(out), "--source", str(ROOT)]) == 0
    printed = capsys.readouterr().out
    assert f"handout built in {out}" in printed and "make lab" in printed
    assert cli.main(["handout", str(out), "--source", str(ROOT)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert cli.main(["handout", str(tmp_path / "x"), "--source", str(tmp_path)]) == 2
    assert "does not look like the course repository" in capsys.readouterr().err
    assert handout_command.HELP.startswith("Build the handout")
