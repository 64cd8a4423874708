"""The instructor's grading workflow on nbgrader (assignments in ``solutions/`` and ``exercises/``).

``dlbook.course.checks`` holds the Vietnamese test helpers the assignments' test cells use,
``dlbook.course.probe`` the kernel side of the tamper-proof verdict protocol and
``dlbook.course.verify_api`` the ``Task`` description the per-assignment ``verify.py`` files use.
"""
