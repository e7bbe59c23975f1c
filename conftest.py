"""Repository-wide pytest configuration.

The modules compiled by mypyc (``desim._compiled.MODULES``) are importable only as their compiled
extensions once built, which ``--doctest-modules`` cannot read (a compiled class keeps no
docstring): their examples run from the Python sources in ``tests/test_compiled.py`` instead.
"""

from desim._compiled import MODULES

collect_ignore = [f"{m.replace('.', '/')}.py" for m in MODULES]
