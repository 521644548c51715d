"""The instructor's tools, built on nnlib (which never imports them).

- ``notebook_exercises``: the exercise notebooks generated from the solution notebooks;
- ``grading``, ``runner``, ``reports``: submissions run in fresh kernels, graded, reported;
- ``sandbox``: the bubblewrap sandbox, with its caps, that each submission runs in;
- ``remote`` (in the grader), ``observer`` (in the learner's kernel) and ``wire`` (between
  them): the rubrics' checks run in the grader on stand-ins of the learner's objects, and the
  kernel only answers with numbers;
- ``store``: each result kept as it is graded, reused by ``--resume``; ``marks``: the marks of
  written answers (written_answers.csv), folded into the reports;
- ``rubric``: the grading contract; ``chapters``: each chapter's rubric, hidden checks included;
- ``commands``: ``nnlib exercises``, ``nnlib grade`` and ``nnlib marks``.
"""
