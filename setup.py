"""Build: the NoC's hot path is compiled by mypyc (``desim/_compiled.py`` lists the modules).

``DESIM_COMPILE=0 pip install ...`` installs pure Python (no C compiler needed).
"""

import json
import os
import runpy
from pathlib import Path

from setuptools import setup

ext_modules = []
if os.environ.get("DESIM_COMPILE", "1") != "0":
    from mypyc.build import mypycify

    here = Path(__file__).resolve().parent
    compiled = runpy.run_path(str(here / "desim" / "_compiled.py"))
    digests = compiled["source_digests"](here)
    (here / "desim" / compiled["HASHES"]).write_text(json.dumps(digests, indent=1) + "\n")
    sources = [str(compiled["source_path"](m, here).relative_to(here)) for m in digests]
    ext_modules = mypycify(sources, opt_level="3")

setup(ext_modules=ext_modules)
