"""The instructor's ``nnlib`` subcommands, one module each: ``nnlib exercises``, ``nnlib grade``,
``nnlib marks``.

``nnlib`` finds them through the ``nnlib.commands`` entry points declared in pyproject.toml
(see :mod:`nnlib.cli`); each provides ``HELP``, ``add_arguments(parser)`` and ``run(args)``.
"""
