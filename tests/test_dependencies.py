"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies, pinned."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SELF_INSTALL = "--editable ."
# What a conda user gets: everything but the benchmark's PyTorch (a separate CPU wheel).
CONDA_EXTRAS = ("lab", "grade", "dev")
CORE = {"numpy", "nnfs", "matplotlib"}


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pyproject_requirements(extras):
    optional = project()["optional-dependencies"]
    return set(project()["dependencies"]).union(*(optional[extra] for extra in extras))


def conda_pip_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    pip_sections = [entry["pip"] for entry in dependencies if isinstance(entry, dict)]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip section"
    return set(pip_sections[0])


def test_environment_yml_lists_the_core_and_the_lab_grade_dev_extras():
    conda = conda_pip_requirements()
    assert SELF_INSTALL in conda, "environment.yml must install the course itself"
    conda.discard(SELF_INSTALL)
    pip = pyproject_requirements(CONDA_EXTRAS)
    assert conda == pip, (
        f"only in environment.yml: {sorted(conda - pip)}; "
        f"only in pyproject.toml: {sorted(pip - conda)}"
    )


def test_every_requirement_is_pinned_exactly():
    requirements = pyproject_requirements(project()["optional-dependencies"])
    loose = sorted(requirement for requirement in requirements if "==" not in requirement)
    assert loose == []


def test_a_learner_installs_only_what_nnlib_imports():
    assert {requirement.split("==")[0] for requirement in project()["dependencies"]} == CORE


def test_environment_yml_python_matches_requires_python():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]
    assert project()["requires-python"] == ">=3.11"


def test_the_lab_has_jupyter_itself_and_the_sliders_widgets():
    # The design names the `jupyter` package; the chapters' sliders need ipywidgets, which
    # `jupyter` requires without a version: pinned here.
    lab = {requirement.split("==")[0] for requirement in project()["optional-dependencies"]["lab"]}
    assert {"jupyter", "jupyterlab", "ipykernel", "ipywidgets"} <= lab
