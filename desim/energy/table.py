"""Per-action energies (the Accelergy method): every number with its unit and its source.

Energy is computed after a run from action counts (`desim.energy.report`), so one run can be
re-costed under another table. Actions are named by what the hardware does:

=====================  ==========  ===========================================================
action                 unit        meaning
=====================  ==========  ===========================================================
``mul16``              operation   16-bit integer multiply
``mul16_gated``        operation   a multiply whose zero operand gated the array (DCNN-opt)
``add24``              operation   24-bit accumulate
``sram_read``          bit         read from an SRAM of a given size (per bit of the access)
``sram_write``         bit         write to an SRAM of a given size
``dram``               bit         DRAM access (read or write)
``router``             bit         one flit bit through one router (buffer, crossbar, control)
``link``               bit         one flit bit over one inter-router link
``wire``               bit x um    one bit driven over one micrometre of on-chip wire (a
                                   crossbar's row and column, priced from its geometry)
=====================  ==========  ===========================================================

SRAM energy between the published sizes is interpolated linearly on log(size), per bit of a 64-bit
access; above them it follows the power law through the two largest published sizes; below them
the power law through the two smallest, but never under the register-file floor: an access to a
small array costs at least what a register-file access costs (its decoders, sense amplifiers and
drivers do not shrink with the array).

References
----------
.. [1] M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014.
.. [2] S. Han et al., "Learning both weights and connections for efficient neural networks",
   NIPS 2015 (DRAM, 640 pJ per 32-bit access).
.. [3] A. Shafiee et al., "ISAAC", ISCA 2016 (router: 20.74 pJ per 256-bit flit at 32 nm), as
   packaged by Accelergy's library plug-in (Wu, Emer, Sze, ICCAD 2019).
.. [4] S. W. Keckler et al., "GPUs and the future of parallel computing", IEEE Micro 31(5), 2011
   (wire energy: 310 pJ to move 256 bits 10 mm at 40 nm).
.. [5] Y. N. Wu et al., "Sparseloop", MICRO 2022, artifact's Eyeriss energy table (a gated 16-bit
   MAC costs 0.066 pJ against 2.20 pJ).
.. [6] Y.-H. Chen, J. Emer, V. Sze, "Eyeriss: a spatial architecture for energy-efficient dataflow
   for convolutional neural networks", ISCA 2016; V. Sze et al., "Efficient processing of deep
   neural networks: a tutorial and survey", Proc. IEEE 105(12), 2017, Fig. 17 (normalised energy
   per 16-bit access: a 0.5-1 KB register file costs 1x a MAC; NoC 2x, buffer 6x, DRAM 200x).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from desim.config import require

__all__ = ["EnergyEntry", "EnergyTable", "horowitz45", "ACTIONS"]

#: Every action a table must price, with its unit.
ACTIONS: dict[str, str] = {
    "mul16": "pJ/op",
    "mul16_gated": "pJ/op",
    "add24": "pJ/op",
    "sram_read": "pJ/bit",
    "sram_write": "pJ/bit",
    "dram": "pJ/bit",
    "router": "pJ/bit",
    "link": "pJ/bit",
    "wire": "pJ/bit/um",
}


@dataclass(frozen=True)
class EnergyEntry:
    """One priced action: energy per unit, and where the number comes from."""

    energy_pj: float
    source: str

    def __post_init__(self) -> None:
        require(
            isinstance(self.energy_pj, int | float) and self.energy_pj >= 0,
            f"energy_pj must be a number >= 0, got {self.energy_pj!r}",
        )


@dataclass(frozen=True)
class EnergyTable:
    """Energies per action at one technology node.

    Parameters
    ----------
    node_nm : int
        The technology node the numbers are for (absolute energies are reported with it).
    entries : mapping
        Action name -> `EnergyEntry` for the size-independent actions of `ACTIONS`.
    sram_points : tuple of (size_bytes, pJ per bit)
        Published SRAM energies, interpolated on log(size) by `sram_pj_per_bit`.
    link_length_mm : float
        Length of one inter-router link (the tile pitch); ``link`` entries are per bit per mm.
    sram_floor : EnergyEntry or None
        The least energy per bit of any SRAM access (a register file's), with its source.
    """

    node_nm: int
    entries: Mapping[str, EnergyEntry]
    sram_points: tuple[tuple[int, float], ...]
    sram_source: str
    link_length_mm: float = 1.0
    name: str = field(default="custom", compare=False)
    sram_floor: EnergyEntry | None = None

    def __post_init__(self) -> None:
        fixed = set(ACTIONS) - {"sram_read", "sram_write"}
        missing = sorted(fixed - set(self.entries))
        require(not missing, f"energy table {self.name!r} lacks actions: {', '.join(missing)}")
        unknown = sorted(set(self.entries) - fixed)
        require(
            not unknown,
            f"energy table {self.name!r} has unknown actions {unknown}; valid: {sorted(fixed)}",
        )
        sizes = [s for s, _ in self.sram_points]
        require(
            len(sizes) >= 2 and sizes == sorted(set(sizes)) and sizes[0] > 0,
            "sram_points needs two or more distinct, increasing, positive sizes",
        )
        require(self.link_length_mm > 0, f"link_length_mm must be > 0, got {self.link_length_mm}")

    def sram_pj_per_bit(self, size_bytes: int) -> float:
        """Energy per bit accessed in an SRAM of ``size_bytes``: linear in log(size) between the
        published sizes; beyond them, the power law through the nearest two (so a small buffer
        costs less than the smallest published SRAM), but never less than ``sram_floor``.

        Examples
        --------
        >>> t = horowitz45()
        >>> round(t.sram_pj_per_bit(8 * 1024) * 64, 3), round(t.sram_pj_per_bit(16 * 1024) * 64, 3)
        (10.0, 15.0)
        >>> round(t.sram_pj_per_bit(2 * 1024) * 64, 3)  # 10 pJ x (2/8)^0.5
        5.0
        >>> round(t.sram_pj_per_bit(96) * 16, 3)  # register-file floor: one 16-bit MAC
        0.877
        """
        require(size_bytes > 0, f"SRAM size must be > 0 bytes, got {size_bytes}")
        points = self.sram_points
        i = 1
        while i < len(points) - 1 and points[i][0] < size_bytes:
            i += 1
        (s0, e0), (s1, e1) = points[i - 1], points[i]
        if s0 <= size_bytes <= s1:
            t = math.log(size_bytes / s0) / math.log(s1 / s0)
            return e0 + t * (e1 - e0)
        slope = math.log(e1 / e0) / math.log(s1 / s0)
        anchor_size, anchor = (s0, e0) if size_bytes < s0 else (s1, e1)
        floor = self.sram_floor.energy_pj if self.sram_floor is not None else 0.0
        return max(floor, anchor * (size_bytes / anchor_size) ** slope)

    def energy_pj(self, action: str, size_bytes: int = 0) -> float:
        """Energy of one unit of ``action`` (one op, or one bit); SRAM actions need the size."""
        if action in ("sram_read", "sram_write"):
            return self.sram_pj_per_bit(size_bytes)
        try:
            entry = self.entries[action]
        except KeyError:
            raise KeyError(f"unknown action {action!r}; valid: {', '.join(ACTIONS)}") from None
        if action == "link":
            return entry.energy_pj * self.link_length_mm
        if action == "wire":
            return entry.energy_pj / 1000  # the entry is per mm, counts are per um
        return entry.energy_pj

    def scaled(self, node_nm: int, factor: float, source: str) -> EnergyTable:
        """The same table at another node, every energy multiplied by ``factor`` (cite it)."""
        require(factor > 0, f"scaling factor must be > 0, got {factor}")
        note = f"x{factor:g} to {node_nm} nm ({source})"
        entries = {
            a: EnergyEntry(e.energy_pj * factor, f"{e.source}; {note}")
            for a, e in self.entries.items()
        }
        points = tuple((s, e * factor) for s, e in self.sram_points)
        floor = self.sram_floor
        if floor is not None:
            floor = EnergyEntry(floor.energy_pj * factor, f"{floor.source}; {note}")
        return replace(
            self,
            node_nm=node_nm,
            entries=entries,
            sram_points=points,
            sram_source=f"{self.sram_source}; {note}",
            name=f"{self.name}@{node_nm}nm",
            sram_floor=floor,
        )

    def rows(self) -> list[dict[str, object]]:
        """The table as plain rows (action, unit, pJ, source), SRAM at its published sizes."""
        out: list[dict[str, object]] = [
            {
                "action": a,
                "unit": "pJ/bit/mm" if a in ("link", "wire") else ACTIONS[a],
                "energy_pj": e.energy_pj,
                "source": e.source,
            }
            for a, e in self.entries.items()
        ]
        for size, pj in self.sram_points:
            out.append(
                {
                    "action": f"sram {size // 1024} KB",
                    "unit": "pJ/bit",
                    "energy_pj": pj,
                    "source": self.sram_source,
                }
            )
        if self.sram_floor is not None:
            out.append(
                {
                    "action": "sram floor",
                    "unit": "pJ/bit",
                    "energy_pj": self.sram_floor.energy_pj,
                    "source": self.sram_floor.source,
                }
            )
        return out


def horowitz45(link_length_mm: float = 1.0) -> EnergyTable:
    """The default table: 45 nm, Horowitz ISSCC 2014 and the sources of the module docstring.

    Derived rows (marked *): a 16-bit multiply is quadratic in width from Horowitz's 8-bit one
    (0.2 pJ x 4 = 0.8 pJ; his 32-bit 3.1 pJ gives 0.78), a 24-bit add linear between his 8-bit
    (0.03) and 32-bit (0.1) adds; a gated multiply costs the multiply x 0.066 / 2.20
    (Sparseloop's Eyeriss table); the router's 32 nm figure is scaled to 45 nm by feature size
    (x 45/32, energy ~ C V^2 with C ~ L); the link is Keckler et al.'s 40 nm wire, used
    unscaled; ``wire`` is the same wire energy, for wires inside a tile (crossbars), counted per
    micrometre. The default link length, 1 mm, is
    SCNN's PE (0.123 mm^2 at 16 nm) scaled to 45 nm by area (x (45/16)^2 = 0.97 mm^2). The SRAM
    floor is a register-file access: Eyeriss's normalised energies price a 16-bit access to a
    0.5-1 KB register file at one 16-bit MAC (Chen et al. ISCA 2016; Sze et al. Proc. IEEE 2017,
    Fig. 17), so per bit (mul16 + add24) / 16 = 0.0548 pJ; Horowitz's power law meets it at
    about 1 KB (10 pJ x (1007 / 8192)^0.5 per 64 bits), the register files' size.
    """
    mul16 = 0.2 * (16 / 8) ** 2  # quadratic in width (3.1 * (16/32)^2 = 0.78 from above)
    entries = {
        "mul16": EnergyEntry(mul16, "* Horowitz ISSCC 2014: 8-bit 0.2 pJ x (16/8)^2"),
        "mul16_gated": EnergyEntry(
            mul16 * 0.066 / 2.20, "* gated/ungated MAC 0.066/2.20 (Sparseloop Eyeriss ERT)"
        ),
        "add24": EnergyEntry(
            0.03 + (0.1 - 0.03) * (24 - 8) / (32 - 8),
            "* Horowitz ISSCC 2014: 8-bit 0.03, 32-bit 0.1 pJ, linear",
        ),
        "dram": EnergyEntry(640 / 32, "Han et al. NIPS 2015: 640 pJ per 32-bit DRAM access"),
        "router": EnergyEntry(
            20.74 / 256 * 45 / 32, "* ISAAC router 20.74 pJ/256-bit flit at 32 nm, x45/32"
        ),
        "link": EnergyEntry(310 / 256 / 10, "Keckler et al. 2011: 310 pJ per 256 bits x 10 mm"),
        "wire": EnergyEntry(310 / 256 / 10, "Keckler et al. 2011: 310 pJ per 256 bits x 10 mm"),
    }
    add24 = entries["add24"].energy_pj
    floor = EnergyEntry(
        (mul16 + add24) / 16,
        "* register file: a 16-bit access = one 16-bit MAC (Eyeriss, Sze et al. Proc. IEEE 2017)",
    )
    sram = ((8 * 1024, 10 / 64), (32 * 1024, 20 / 64), (1024 * 1024, 100 / 64))
    return EnergyTable(
        45,
        entries,
        sram,
        "Horowitz ISSCC 2014: 64-bit access 10 / 20 / 100 pJ at 8 KB / 32 KB / 1 MB",
        link_length_mm,
        name="horowitz45",
        sram_floor=floor,
    )
