"""The instructor's tools, built on nnlib (which never imports them).

- ``notebook_exercises``: the exercise notebooks generated from the solution notebooks;
- ``grading``, ``runner``, ``reports``: submissions run in fresh kernels, graded, reported;
- ``rubric``: the grading contract; ``chapters``: each chapter's rubric, hidden checks included;
- ``commands``: ``nnlib exercises`` and ``nnlib grade``.
"""
