"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SELF_INSTALL = "--editable ."


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def conda_pip_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    pip_sections = [entry["pip"] for entry in dependencies if isinstance(entry, dict)]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip section"
    return set(pip_sections[0])


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    conda = conda_pip_requirements()
    assert SELF_INSTALL in conda, "environment.yml must install the course itself"
    conda.discard(SELF_INSTALL)
    pip = pyproject_requirements()
    assert conda == pip, (
        f"only in environment.yml: {sorted(conda - pip)}; "
        f"only in pyproject.toml: {sorted(pip - conda)}"
    )


def test_environment_yml_python_matches_requires_python():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert "python=3.11" in environment["dependencies"]
    assert requires == ">=3.11"
