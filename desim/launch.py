"""The ``desim`` console script.

``desim --version`` is answered here, before `desim.cli` and what it imports (argparse, typing,
the plug-in registry) are loaded: the command a user times first should cost little more than
the interpreter's own start-up. Everything else goes to `desim.cli.main`.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> int:
    """Entry point of the ``desim`` console script; returns the exit code."""
    if sys.argv[1:] == ["--version"]:
        from desim import __version__

        print(f"desim {__version__}")
        return 0
    from desim.cli import main as run

    return run()
