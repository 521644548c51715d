"""Tests of exercise generation: solution regions, written answers, ``nnlib exercises``."""

import argparse
import json
import os

import nbformat
import pytest

from instructor.commands import exercises
from instructor.notebook_exercises import (
    ANSWER_PLACEHOLDER,
    SolutionMarkerError,
    exercise_notebook,
    strip_solution_regions,
    write_atomic,
    written_answers,
)

LAYER = """\
class Layer:
    def forward(self, inputs):
        self.inputs = inputs
        ### BEGIN SOLUTION
        self.output = inputs @ self.weights
        ### END SOLUTION

    def backward(self, dvalues):
        ### BEGIN SOLUTION
        self.dweights = self.inputs.T @ dvalues
        self.dinputs = dvalues @ self.weights.T
        ### END SOLUTION
        return self.dinputs
"""
LAYER_EXERCISE = """\
class Layer:
    def forward(self, inputs):
        self.inputs = inputs
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dvalues):
        # YOUR CODE HERE
        raise NotImplementedError()
        return self.dinputs
"""


def run_exercises(*argv: object) -> int:
    parser = argparse.ArgumentParser()
    exercises.add_arguments(parser)
    return exercises.run(parser.parse_args([str(arg) for arg in argv]))


def test_regions_keep_the_indentation_of_their_body():
    assert strip_solution_regions(LAYER) == LAYER_EXERCISE


def test_everything_outside_regions_is_kept_byte_for_byte():
    source = "x = 1  \t\r\n# café → ünïcode\n\n\t### BEGIN SOLUTION\n\ty = 2\n\t### END SOLUTION"
    assert strip_solution_regions(source) == (
        "x = 1  \t\r\n# café → ünïcode\n\n\t# YOUR CODE HERE\n\traise NotImplementedError()"
    )


def test_a_cell_without_markers_is_unchanged():
    source = "def f():\n    return '### not a marker'\n"
    assert strip_solution_regions(source) == source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: .* inside"),
        ("x = 1\n### END SOLUTION", "line 2: '### END SOLUTION' without a BEGIN"),
        ("x = 1\n    ### BEGIN SOLUTION\n    y = 2", "line 2: .* is never closed"),
    ],
)
def test_unbalanced_markers_are_refused(source, message):
    with pytest.raises(SolutionMarkerError, match=message):
        strip_solution_regions(source)


def solution_notebook() -> nbformat.NotebookNode:
    """A solution notebook exercising every kind of cell the generator must handle."""
    code = nbformat.v4.new_code_cell(
        LAYER, execution_count=3, metadata={"tags": ["keep-me"]}, id="layer"
    )
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="trained\n")]
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Dense layer\nSee `### BEGIN SOLUTION`.", id="intro"),
            code,
            nbformat.v4.new_code_cell("print('no markers')", execution_count=4, id="plain"),
            nbformat.v4.new_markdown_cell("Why transpose the weights?", id="question"),
            nbformat.v4.new_markdown_cell(
                "**Written answer (Q1.3):**\nTo match shapes: the\ngradient flows back.",
                id="answer",
            ),
            nbformat.v4.new_raw_cell("### BEGIN SOLUTION", id="raw"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


def test_exercise_notebook_blanks_solutions_and_answers_only():
    solution = solution_notebook()
    exercise = exercise_notebook(solution, "01_dense_layer.ipynb")
    intro, code, plain, question, answer, raw = exercise.cells
    assert code.source == LAYER_EXERCISE
    assert (code.outputs, code.execution_count, plain.outputs, plain.execution_count) == (
        [],
        None,
        [],
        None,
    )
    assert answer.source == f"**Written answer (Q1.3):**\n{ANSWER_PLACEHOLDER}"
    assert code.metadata == {"tags": ["keep-me"]}
    for kept in (intro, plain, question, raw):
        [original] = [cell for cell in solution.cells if cell.id == kept.id]
        assert kept.source == original.source
    assert exercise.metadata == solution.metadata
    assert solution.cells[1].outputs, "the solution itself must not be modified"


def test_marker_errors_name_the_notebook_and_cell():
    solution = solution_notebook()
    solution.cells[2].source = "### END SOLUTION"
    with pytest.raises(SolutionMarkerError, match=r"^01_dense_layer.ipynb, cell 3: line 1"):
        exercise_notebook(solution, "01_dense_layer.ipynb")


def test_written_answers_come_with_their_question():
    [answer] = written_answers(solution_notebook())
    assert (answer.key, answer.question, answer.answer) == (
        "1.3",
        "Why transpose the weights?",
        "To match shapes: the\ngradient flows back.",
    )


# --- nnlib exercises ---------------------------------------------------------------------


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A folder with solutions/01_dense_layer.ipynb, as the current folder."""
    (tmp_path / "solutions").mkdir()
    nbformat.write(solution_notebook(), tmp_path / "solutions" / "01_dense_layer.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_generation_writes_stable_formatted_notebooks(course):
    assert run_exercises() == 0
    path = course / "exercises" / "01_dense_layer.ipynb"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n "cells": [\n')
    exercise = nbformat.reads(text, as_version=4)
    assert exercise.cells[1].source == LAYER_EXERCISE
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_generation_is_deterministic_even_without_cell_ids(course):
    # nbformat invents random ids for id-less cells of a 4.5 notebook when it reads one.
    path = course / "solutions" / "01_dense_layer.ipynb"
    data = json.loads(path.read_text())
    for cell in data["cells"]:
        del cell["id"]
    data["cells"][0]["source"] = "Ünïcode stays as it is: é → ü"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert run_exercises() == 0
    first = (course / "exercises" / "01_dense_layer.ipynb").read_bytes()
    (course / "exercises" / "01_dense_layer.ipynb").unlink()
    assert run_exercises() == 0
    assert (course / "exercises" / "01_dense_layer.ipynb").read_bytes() == first
    assert b'"id"' not in first
    assert "Ünïcode stays as it is: é → ü".encode() in first


def test_check_passes_when_up_to_date(course, capsys):
    assert run_exercises() == 0
    before = (course / "exercises" / "01_dense_layer.ipynb").stat().st_mtime_ns
    assert run_exercises("--check") == 0
    assert "1 exercise notebooks are up to date" in capsys.readouterr().out
    assert run_exercises() == 0
    assert (course / "exercises" / "01_dense_layer.ipynb").stat().st_mtime_ns == before


def test_check_names_stale_missing_and_extra_notebooks_and_writes_nothing(course, capsys):
    assert run_exercises() == 0
    nbformat.write(solution_notebook(), course / "solutions" / "02_backpropagation.ipynb")
    solution = solution_notebook()
    solution.cells[2].source = "print('changed')"
    nbformat.write(solution, course / "solutions" / "01_dense_layer.ipynb")
    (course / "exercises" / "03_extra.ipynb").write_text("{}")
    snapshot = {path: path.read_bytes() for path in (course / "exercises").iterdir()}
    capsys.readouterr()

    assert run_exercises("--check") == 1

    err = capsys.readouterr().err
    assert "exercises/01_dense_layer.ipynb: out of date" in err
    assert "exercises/02_backpropagation.ipynb: missing" in err
    assert "exercises/03_extra.ipynb: extra" in err
    assert {path: path.read_bytes() for path in (course / "exercises").iterdir()} == snapshot


def test_regeneration_fixes_what_check_reported(course, capsys):
    (course / "exercises").mkdir()
    (course / "exercises" / "01_dense_layer.ipynb").write_text("stale")
    assert run_exercises() == 0
    assert run_exercises("--check") == 0


def test_unbalanced_markers_fail_the_command(course, capsys):
    solution = solution_notebook()
    solution.cells[1].source = LAYER.replace("        ### END SOLUTION\n\n", "\n", 1)
    nbformat.write(solution, course / "solutions" / "01_dense_layer.ipynb")
    assert run_exercises() == 2
    err = capsys.readouterr().err
    assert (
        "solutions/01_dense_layer.ipynb, cell 2: line 8: '### BEGIN SOLUTION' inside the region "
        "opened on line 4" in err
    )
    assert not (course / "exercises").exists()


def test_missing_solutions_folder_fails(tmp_path, capsys):
    assert run_exercises("--solutions", tmp_path / "nowhere") == 2
    assert "no solutions folder" in capsys.readouterr().err


def test_write_atomic_replaces_whole_files_and_cleans_up(tmp_path):
    target = tmp_path / "grades.csv"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")
    assert target.read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["grades.csv"]
