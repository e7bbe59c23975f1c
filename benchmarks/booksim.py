"""Run a BookSim2 binary on a configuration and read its statistics back.

BookSim2 (Jiang et al., "A detailed and flexible cycle-accurate network-on-chip simulator",
ISPASS 2013; github.com/booksim/booksim2) is built outside this repository and given by path
(``--booksim PATH`` or the ``BOOKSIM`` environment variable). Nothing of its code is used here:
this module writes its plain-text configuration file, runs the binary, and parses what it prints.

The configuration is BookSim's "R0" router (desim's ``booksim`` preset, docs/noc.md):
input-queued VC router, 4 VCs x 8 flits, one iSLIP iteration for VC and switch allocation,
routing 0 / VA 1 / SA 1 / ST 1 cycles, credit delay 2, single-flit packets, Bernoulli injection,
BookSim's latency-mode measurement (1,000-cycle sample periods, 3 warm-up periods).

**Flit-hops from BookSim's statistics.** BookSim does not print how many flits crossed how many
routers, so the count is derived from what it prints at the end of a run::

    flit_hops = accepted flit rate average x nodes x total cycles x hops average

with ``Accepted flit rate average`` (flits per node per cycle during measurement), ``Time taken is
N cycles`` (the whole run: warm-up, sampling and drain) and ``Hops average`` (routers crossed per
flit, ejection router included: 6.25 on an 8x8 mesh, where the inter-router distance is 5.25).
Below saturation a run injects at its offered rate from its first cycle to its last and every flit
injected is ejected, so this estimate counts one flit through one router, ejection included, as
desim's ``flit_hops`` counter does; `estimate_flit_hops` applies the same formula to desim's
output so that both sides of a comparison are counted identically.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "R0",
    "BookSimError",
    "BookSimRun",
    "ProcessRun",
    "find_binary",
    "config_text",
    "estimate_flit_hops",
    "parse_output",
    "run_booksim",
    "run_process",
]

R0: dict[str, object] = {
    "routing_function": "dor",
    "num_vcs": 4,
    "vc_buf_size": 8,
    "wait_for_tail_credit": 0,
    "vc_allocator": "islip",
    "sw_allocator": "islip",
    "alloc_iters": 1,
    "credit_delay": 2,
    "routing_delay": 0,
    "vc_alloc_delay": 1,
    "sw_alloc_delay": 1,
    "st_final_delay": 1,
    "input_speedup": 1,
    "output_speedup": 1,
    "internal_speedup": 1.0,
    "traffic": "uniform",
    "packet_size": 1,
    "sim_type": "latency",
}
"""BookSim2 keys of the R0 configuration (everything but the topology and the load)."""


class BookSimError(RuntimeError):
    """BookSim was not found, failed, or printed something this module cannot read."""


@dataclass(frozen=True)
class ProcessRun:
    """A finished child process: its output, wall-clock and CPU (user + system) seconds, and its
    peak resident memory."""

    stdout: str
    wall_seconds: float
    cpu_seconds: float
    maxrss_kb: int
    returncode: int


@dataclass(frozen=True)
class BookSimRun:
    """What one BookSim run printed (averages over the measured packets).

    ``stable`` is False when BookSim aborted (average latency above its threshold) or did not
    converge; the latency fields are then None.
    """

    stable: bool
    packet_latency: float | None
    network_latency: float | None
    accepted_flit_rate: float | None
    accepted_flit_rate_min: float | None
    hops: float | None
    cycles: int | None
    loop_seconds: float
    process: ProcessRun

    def flit_hops(self, nodes: int) -> float | None:
        """Flit-hops derived from the printed statistics (module docstring); None if unstable."""
        if not self.stable or self.accepted_flit_rate is None or self.hops is None:
            return None
        return estimate_flit_hops(self.accepted_flit_rate, nodes, self.cycles or 0, self.hops)


def binary_argument(parser: argparse.ArgumentParser, path: str | None) -> Path | None:
    """`find_binary`, a wrong path reported by ``parser`` (one line, exit code 2)."""
    try:
        return find_binary(path)
    except BookSimError as exc:
        parser.error(str(exc))


def find_binary(path: str | None) -> Path | None:
    """The BookSim binary: ``path``, else ``$BOOKSIM``, else None (the caller skips)."""
    chosen = path or os.environ.get("BOOKSIM")
    if not chosen:
        return None
    found = shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    if found is None or not os.access(found, os.X_OK):
        raise BookSimError(f"BookSim binary {chosen!r} is not an executable file")
    return Path(found)


def config_text(topology: str, k: int, n: int, rate: float, **extra: object) -> str:
    """A BookSim configuration file: R0 on ``topology`` (``mesh``, ``torus``, ``cmesh``) with
    radix ``k`` and ``n`` dimensions at ``rate`` flits per node per cycle; ``extra`` keys
    override."""
    keys = {"topology": topology, "k": k, "n": n, **R0, "injection_rate": rate, **extra}
    return "".join(f"{key} = {value};\n" for key, value in keys.items())


def measurement_keys(sample_period: int, warmup_periods: int, max_samples: int) -> dict:
    """BookSim's measurement keys for desim's: the same sample period and warm-up, and as many
    periods in all. desim's ``max_samples`` counts the sample periods after the warm-up; BookSim's
    counts the warm-up periods too (``_SingleSim``'s ``total_phases``), so BookSim is given
    ``warmup_periods + max_samples``."""
    return {
        "sample_period": sample_period,
        "warmup_periods": warmup_periods,
        "max_samples": warmup_periods + max_samples,
    }


def run_process(command: list[str], env: dict[str, str] | None = None) -> ProcessRun:
    """Run ``command`` to completion; wall time from start to reaping, and its own peak RSS."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert child.stdout is not None
    with child.stdout:
        stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)  # reaped here, with this child's own rusage
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return ProcessRun(stdout, wall, cpu, usage.ru_maxrss, child.returncode)


_FLOAT = r"([-+0-9.eE]+|nan|-?inf)"
_OVERALL = {
    "packet_latency": rf"Packet latency average = {_FLOAT}",
    "network_latency": rf"Network latency average = {_FLOAT}",
    "accepted_flit_rate": rf"Accepted flit rate average = {_FLOAT}",
    "hops": rf"Hops average = {_FLOAT}",
}


def parse_output(text: str, process: ProcessRun | None = None) -> BookSimRun:
    """Read a BookSim latency-mode run's overall statistics from its standard output."""
    loop = re.search(rf"Total run time {_FLOAT}", text)
    if loop is None:
        raise BookSimError("BookSim printed no 'Total run time': it did not finish")
    process = process or ProcessRun(text, float("nan"), float("nan"), 0, 0)
    overall = text.split("====== Overall Traffic Statistics ======")
    stable = len(overall) > 1 and "Simulation unstable" not in text
    if not stable:
        return BookSimRun(False, None, None, None, None, None, None, float(loop[1]), process)
    tail = overall[-1]
    values = {}
    for name, pattern in _OVERALL.items():
        match = re.search(pattern, tail)
        if match is None:
            raise BookSimError(f"BookSim's overall statistics lack {pattern.split(' =')[0]!r}")
        values[name] = float(match[1])
    minimum = re.search(rf"Accepted flit rate average = .*\n\tminimum = {_FLOAT}", tail)
    cycles = re.findall(r"Time taken is (\d+) cycles", text)
    return BookSimRun(
        True,
        values["packet_latency"],
        values["network_latency"],
        values["accepted_flit_rate"],
        float(minimum[1]) if minimum else None,
        values["hops"],
        int(cycles[-1]) if cycles else None,
        float(loop[1]),
        process,
    )


def estimate_flit_hops(accepted_flit_rate: float, nodes: int, cycles: int, hops: float) -> float:
    """Flit-hops of a whole run from its averages (the module docstring's formula)."""
    return accepted_flit_rate * nodes * cycles * hops


def run_booksim(binary: Path, config: str, seed: int = 1) -> BookSimRun:
    """Write ``config`` (plus ``seed``) to a temporary file, run BookSim on it, parse its output."""
    with tempfile.TemporaryDirectory(prefix="booksim-") as folder:
        path = Path(folder) / "config"
        path.write_text(config + f"seed = {seed};\n")
        process = run_process([str(binary), str(path)])
    # BookSim's main returns -1 (status 255) when the simulation succeeded, 0 when it did not
    if process.returncode not in (0, 255):
        last = process.stdout.strip().splitlines()[-1:] or ["(no output)"]
        raise BookSimError(f"BookSim exited with status {process.returncode}: {last[0]}")
    return parse_output(process.stdout, process)
