"""The public names of a package: what its ``__init__`` imported from the package's modules.

Each subpackage's ``__init__`` lists its imports once and ends with
``__all__ = exported_names(globals())``, so a name is never written twice (once imported, once
in ``__all__``) and the two lists cannot drift apart.
"""

from __future__ import annotations

import __future__
import types


def exported_names(namespace: dict) -> list[str]:
    """Sorted public names of ``namespace``, leaving out modules and ``from __future__`` flags."""
    return sorted(
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and not isinstance(value, (types.ModuleType, __future__._Feature))
    )
