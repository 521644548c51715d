"""The ``nnlib`` command's shared argument checks."""

import pytest

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
