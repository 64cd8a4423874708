"""The role nbgrader gives each cell of a notebook, decided in one place.

A cell's ``metadata.nbgrader`` says what it is: an **answer** (``solution``: the student writes
it), a **test** (``grade`` without ``solution``: an autograder test cell, code), **setup**
(``locked``: read-only code the instructor wrote) or **free** (no marks: the student may add or
change it). The grader, the submission checks, the feedback and ``generate`` all ask here.
Works on ``nbformat`` nodes and on plain JSON dicts alike.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

ANSWER, TEST, SETUP, FREE = "answer", "test", "setup", "free"


def nbgrader_meta(cell: Mapping[str, Any]) -> Dict[str, Any]:
    """The cell's ``metadata.nbgrader`` (an empty dict when it has none)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def role(cell: Mapping[str, Any]) -> str:
    """``answer``, ``test``, ``setup`` or ``free`` (from the metadata; any cell type)."""
    return meta_role(nbgrader_meta(cell))


def meta_role(meta: Mapping[str, Any]) -> str:
    """The role that a cell's ``metadata.nbgrader`` gives it."""
    if meta.get("solution"):
        return ANSWER
    if meta.get("grade"):
        return TEST
    if meta.get("locked"):
        return SETUP
    return FREE


def is_test_cell(cell: Mapping[str, Any]) -> bool:
    """An autograder test cell: a code cell with marks and no solution."""
    return cell.get("cell_type") == "code" and role(cell) == TEST


def grade_id(cell: Mapping[str, Any]) -> Any:
    return nbgrader_meta(cell).get("grade_id")


def ids_of_test_cells(nb: Mapping[str, Any]) -> List[str]:
    """The grade ids of a notebook's test cells, in order."""
    return [grade_id(c) for c in nb.get("cells", []) if is_test_cell(c)]
