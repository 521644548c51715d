"""``nnlib gradescope``: a chapter's Gradescope autograder, built, unpacked and run locally.

The bundle is built once, then unpacked into a temporary folder standing in for Gradescope's
``/autograder`` (``source/`` holding the zip's files, ``run_autograder`` copied beside it, as
Gradescope does, ``submission/`` and ``results/``), and ``run_autograder`` runs there with
this repository's venv (``AUTOGRADER_ROOT``, ``AUTOGRADER_PYTHON``). ``setup.sh`` is not run:
its content is checked (the pins, the commands).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from instructor import gradescope
from instructor.rubric import load_exercises, load_questions
from nnlib import cli

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "04_momentum"
SOLUTION = ROOT / "solutions" / f"{CHAPTER}.ipynb"
EXERCISE = ROOT / "exercises" / f"{CHAPTER}.ipynb"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    assert cli.main(["gradescope", CHAPTER, str(out), "--source", str(ROOT)]) == 0
    return out


def unpack(bundle: Path, folder: Path) -> Path:
    """``folder`` made into Gradescope's /autograder for ``bundle``."""
    source = folder / "source"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(source)
        for entry in archive.infolist():  # extractall drops the modes
            (source / entry.filename).chmod((entry.external_attr >> 16) & 0o777)
    shutil.copy2(source / "run_autograder", folder / "run_autograder")
    (folder / "submission").mkdir()
    (folder / "results").mkdir()
    return folder


def run_autograder(root: Path, path: str | None = None) -> dict:
    """Run ``root/run_autograder`` as Gradescope would, with this venv; its results.json."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    env.pop("PYTHONPATH", None)  # the bundle's own packages, not the repository's
    if path is not None:
        env["PATH"] = path
    process = subprocess.run(
        [str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def check_format(results: dict) -> None:
    """The fields and types Gradescope reads, and a score that is the tests' sum."""
    assert isinstance(results["score"], float)
    assert isinstance(results["output"], str) and results["output"]
    assert isinstance(results["execution_time"], float)
    exercises = load_exercises(CHAPTER)
    assert [test["number"] for test in results["tests"]] == [e.key for e in exercises]
    for test, exercise in zip(results["tests"], exercises, strict=True):
        assert test["name"] == f"{exercise.key} {exercise.title}"
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["max_score"] == exercise.max_points
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["output"], str) and test["output"]
        assert test["visibility"] == "visible"
    assert results["score"] == sum(test["score"] for test in results["tests"])
    # The written questions are not tests: the output says they are marked by hand.
    for question in load_questions(CHAPTER):
        assert f"Q{question.key} ({question.max_points} points)" in results["output"]
    assert "marked by hand" in results["output"]


def test_bundle_holds_the_grader_and_no_answers(bundle):
    with zipfile.ZipFile(bundle) as archive:
        entries = {entry.filename: entry for entry in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
        pyproject = tomllib.loads(archive.read("pyproject.toml").decode())
    names = set(entries)
    assert {"setup.sh", "run_autograder", "pyproject.toml"} <= names
    assert {"nnlib/__init__.py", "instructor/grading.py", "instructor/gradescope.py"} <= names
    assert f"instructor/chapters/ch{CHAPTER}.py" in names
    tops = {name.split("/")[0] for name in names}
    assert tops == {"setup.sh", "run_autograder", "pyproject.toml", "nnlib", "instructor"}
    assert not [name for name in names if name.endswith((".ipynb", ".pyc"))]
    for name in ("setup.sh", "run_autograder"):
        assert (entries[name].external_attr >> 16) & stat.S_IXUSR

    course = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = course["dependencies"] + course["optional-dependencies"]["grade"]
    assert pyproject["project"]["dependencies"] == course["dependencies"]
    assert pyproject["project"]["optional-dependencies"] == {
        "grade": course["optional-dependencies"]["grade"]
    }
    for pin in pins:
        assert "==" in pin and f'"{pin}"' in setup
    for command in (
        "set -euo pipefail",
        'ROOT="${AUTOGRADER_ROOT:-/autograder}"',
        'apt_install "$PYTHON" "$PYTHON-venv"',
        "PYTHON=python3.11",
        '"$PYTHON" -m venv "$VENV"',
        '"$VENV/bin/python" -m pip install -qq "${SOURCE}[grade]"',
        "-m ipykernel install --sys-prefix --name python3",
        "apt_install bubblewrap ||",
    ):
        assert command in setup
    assert 'nnlib" data' not in setup  # chapter 4 needs no data set
    assert f"--chapter {CHAPTER}" in run and "AUTOGRADER_ROOT" in run
    for script in (setup, run):  # both parse as bash
        subprocess.run(["bash", "-n"], input=script, text=True, check=True)


def test_bundle_refuses_an_unknown_chapter(tmp_path, capsys):
    out = tmp_path / "autograder.zip"
    assert cli.main(["gradescope", "99_nothing", str(out), "--source", str(ROOT)]) == 2
    assert "unknown chapter" in capsys.readouterr().err
    assert not out.exists()


def test_bundle_for_chapter_9_fetches_fashion_mnist():
    setup = gradescope.bundle_files(ROOT, "09_fashion_mnist")["setup.sh"].decode()
    assert '"$VENV/bin/nnlib" data --dir "$ROOT/data"' in setup


def test_no_notebook_scores_zero(bundle, tmp_path):
    root = unpack(bundle, tmp_path)
    results = run_autograder(root)
    check_format(results)
    assert results["score"] == 0
    assert (
        f"holds no notebook: submit your exercise notebook {CHAPTER}.ipynb" in (results["output"])
    )


def test_another_chapter_scores_zero(bundle, tmp_path):
    root = unpack(bundle, tmp_path)
    shutil.copy(ROOT / "solutions" / "05_adagrad.ipynb", root / "submission")
    results = run_autograder(root)
    check_format(results)
    assert results["score"] == 0
    assert (
        f"grades chapter {CHAPTER}, and the submission holds no {CHAPTER}.ipynb"
        in (results["output"])
    )
    assert "05_adagrad.ipynb" in results["output"]


@pytest.mark.slow
def test_solution_gets_full_marks(bundle, tmp_path):
    root = unpack(bundle, tmp_path)
    shutil.copy(SOLUTION, root / "submission")
    results = run_autograder(root)
    check_format(results)
    assert all(test["score"] == test["max_score"] for test in results["tests"])
    assert all(test["status"] == "passed" for test in results["tests"])
    assert "Status: graded" in results["output"]
    # `make check` installs bubblewrap: the sandbox runs here.
    assert "Sandbox: bubblewrap;" in results["output"]


@pytest.mark.slow
def test_exercise_gets_zero_without_a_sandbox(bundle, tmp_path):
    """Where bubblewrap cannot run, the notebook is graded unconfined, and the output says so."""
    root = unpack(bundle, tmp_path / "autograder")
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions' >&2\nexit 1\n")
    (broken / "bwrap").chmod(0o755)
    shutil.copy(EXERCISE, root / "submission")
    results = run_autograder(root, path=f"{broken}{os.pathsep}{os.environ['PATH']}")
    check_format(results)
    assert results["score"] == 0
    assert all(test["score"] == 0 for test in results["tests"])
    assert "Status: graded" in results["output"]
    assert "Sandbox: none. bubblewrap cannot run on this machine" in results["output"]
