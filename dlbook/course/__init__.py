"""The instructor's grading workflow on nbgrader (assignments in ``solutions/`` and ``exercises/``).

Kernel side (imported by the students' notebooks): ``dlbook.course.checks`` holds the Vietnamese
test helpers the test cells use, ``dlbook.course.probe`` the kernel side of the tamper-proof verdict
protocol and ``dlbook.course.verify_api`` the ``Task`` description the per-assignment ``verify.py``
files use.

Instructor side (``dlbook course …``, see ``docs/grading-sandbox.md``):

- ``course``: the course folder and its nbgrader configuration;
- ``generate``, ``collect``, ``autograde``, ``feedback``, ``export``, ``report``, ``similarity``:
  the commands;
- ``validate``: checking and repairing the students' notebooks before nbgrader reads them;
- ``cluster``, ``bundle``, ``store``: where grading runs (a Dask ``LocalCluster`` or an existing
  Dask cluster), what a worker receives (one assignment and one submission, as bytes) and the one
  writer of the gradebook (SQLite or PostgreSQL), ``autograded/`` and ``verdicts/``;
- ``worker`` and ``execute``: nbgrader's Autograde with the kernel in the sandbox
  (``sandbox``, ``launch``, ``runtime``: the student runtime mounted in place of dlbook),
  crash-tolerant execution, the verification in a separate sandboxed process (``isolated``,
  ``driver``), the rules on the submitted source (``rules``) and the verdicts (``verdict``);
- ``records``: our per-student grading records (``verdicts/``).

Nothing here is imported by ``import dlbook``: the grading modules load nbgrader.
"""
