"""The ``nnlib`` command: its subcommands, found through entry points, and their argument checks."""

from importlib.metadata import EntryPoint

import pytest

from nnlib import cli
from nnlib.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--epochs", "0"], "argument --epochs: must be a positive integer, got 0"),
        (["bench", "--threads", "1", "0"], "argument --threads: must be a positive integer, got 0"),
        (["grade", "--jobs", "0", "x.ipynb"], "argument --jobs: must be a positive integer, got 0"),
        (["grade", "--timeout", "-1", "x.ipynb"], "argument --timeout: must be above 0, got -1"),
        (["grade", "--timeout", "soon", "x.ipynb"], "argument --timeout: invalid float value"),
    ],
)
def test_counts_and_times_must_be_positive(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_installed_subcommands_are_all_offered(capsys):
    offered, unavailable = cli.subcommands()
    assert list(offered) == [
        "data",
        "bench",
        "exercises",
        "grade",
        "gradescope",
        "handout",
        "marks",
    ]
    assert unavailable == {}
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    listed = capsys.readouterr().out
    for name, module in offered.items():
        assert name in listed and module.HELP.split()[0] in listed


def test_a_subcommand_whose_package_is_missing_is_not_offered(monkeypatch, capsys):
    """What a learner's install without the instructor's packages sees: no crash, no command."""
    group = cli.ENTRY_POINT_GROUP
    installed = [
        EntryPoint("grade", "nnlib_missing_grader.command", group),
        EntryPoint("data", "nnlib_missing_data.command", group),  # nnlib's own wins
    ]
    monkeypatch.setattr(cli, "entry_points", lambda group: installed)
    offered, unavailable = cli.subcommands()
    assert list(offered) == ["data"]
    assert unavailable == {"grade": "nnlib_missing_grader"}
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "x.ipynb"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'grade'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "not available here" in capsys.readouterr().out
