"""Build: the NoC's hot path is compiled by mypyc (``desim/_compiled.py`` lists the modules).

Without a C compiler, or with ``DESIM_COMPILE=0``, it installs pure Python (same results, slower);
``build_backend.py`` then does not even ask for mypy.
"""

import json
import runpy
import sys
from pathlib import Path

from setuptools import setup

here = Path(__file__).resolve().parent
compiled = runpy.run_path(str(here / "desim" / "_compiled.py"))
compile_modules, reason = compiled["compile_plan"]()
ext_modules = []
try:
    from mypyc.build import mypycify
except ImportError:  # pip asking for the build requirements (mypy among them) before installing
    compile_modules, reason = False, "desim: mypy is not installed: installing pure Python"
if compile_modules:
    digests = compiled["source_digests"](here)
    (here / "desim" / compiled["HASHES"]).write_text(json.dumps(digests, indent=1) + "\n")
    sources = [str(compiled["source_path"](m, here).relative_to(here)) for m in digests]
    ext_modules = mypycify(sources, opt_level="3")
elif reason:
    print(reason, file=sys.stderr)

setup(ext_modules=ext_modules)
