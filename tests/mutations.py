"""Realistic wrong submissions: a solution notebook with one thing changed, as learners do.

Each mutation replaces one piece of a solution's code, found exactly once in the notebook's
code cells (so a changed solution fails loudly here instead of silently testing nothing),
and names the one exercise it breaks.
"""

import importlib
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Mutation:
    """``old`` replaced by ``new`` in ``chapter``'s solution, breaking ``exercise`` only."""

    name: str
    chapter: str
    exercise: str
    old: str
    new: str


CHAPTER_MODULES = (
    "01_dense_layer",
    "02_backpropagation",
    "03_learning_rate_decay",
    "04_momentum",
    "05_adagrad",
    "06_rmsprop",
    "07_adam",
    "08_regularization",
    "09_fashion_mnist",
)


def all_mutations() -> tuple[Mutation, ...]:
    """Every chapter's mutations, from ``tests/mutation_cases/chNN_name.py``, in order."""
    found = []
    for chapter in CHAPTER_MODULES:
        module = importlib.import_module(f"tests.mutation_cases.ch{chapter}")
        found.extend(module.MUTATIONS)
    return tuple(found)


def mutated_notebook(solutions: Path, mutation: Mutation) -> bytes:
    """The solution notebook of ``mutation.chapter`` with the mutation applied."""
    notebook = nbformat.read(solutions / f"{mutation.chapter}.ipynb", as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    found = sum(cell.source.count(mutation.old) for cell in cells)
    assert found == 1, (
        f"mutation {mutation.name}: {mutation.old!r} occurs {found} times in the code of "
        f"solutions/{mutation.chapter}.ipynb, expected exactly once"
    )
    for cell in cells:
        cell.source = cell.source.replace(mutation.old, mutation.new)
    return nbformat.writes(notebook).encode("utf-8")
