"""Router and network parameters, with their units, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass, fields

from desim.config import check_fields
from desim.config_checks import check_key_int, require_key
from desim.kernel.errors import ConfigError

__all__ = ["RouterParams"]


@dataclass(frozen=True)
class RouterParams:
    """An input-queued virtual-channel router with credit-based flow control (wormhole).

    Pipeline (per hop, zero load): route computation, VC allocation, switch allocation, switch
    traversal, link. ``routing_delay_cycles = 0`` is lookahead routing (the route is computed one
    hop upstream). Every delay is in base-clock cycles.

    Parameters
    ----------
    vcs : int
        Virtual channels per port.
    vc_buffer_flits : int
        Buffer depth of each input VC, in flits.
    routing_delay_cycles, vc_alloc_delay_cycles, sw_alloc_delay_cycles, st_delay_cycles : int
        Route computation, VC allocation, switch allocation and switch (crossbar) traversal delays.
    credit_delay_cycles : int
        Credit processing delay, added to the credit channel's latency (the link latency).
    injection_latency_cycles, ejection_latency_cycles : int
        Terminal channels: network interface to router, and router to network interface.
    input_speedup, output_speedup : int
        Flits per cycle an input port may send into / an output port may take from the crossbar.
        Only 1 (a plain crossbar, BookSim's default) is modelled; other values are rejected.
    wait_for_tail_credit : bool
        Whether an output VC is reallocated only after the credit of its tail flit has returned.
    flit_width_bits : int
        Payload bits per flit (link width).
    vc_allocator, sw_allocator : str
        Separable allocators (registry ``allocator``): ``islip`` (one iteration, BookSim's),
        ``islip2``, ``input_first``.
    arbiter : str
        Arbiter (registry ``arbiter``) inside the allocators: ``round_robin``, ``matrix``,
        ``oldest_first``, ``fixed_priority``.
    selection : str
        Selection function (registry ``selection``) among adaptive routing candidates.
    """

    vcs: int = 4
    vc_buffer_flits: int = 8
    routing_delay_cycles: int = 0
    vc_alloc_delay_cycles: int = 1
    sw_alloc_delay_cycles: int = 1
    st_delay_cycles: int = 1
    credit_delay_cycles: int = 2
    injection_latency_cycles: int = 2
    ejection_latency_cycles: int = 1
    input_speedup: int = 1
    output_speedup: int = 1
    wait_for_tail_credit: bool = False
    flit_width_bits: int = 128
    vc_allocator: str = "islip"
    sw_allocator: str = "islip"
    arbiter: str = "round_robin"
    selection: str = "most_credits"

    def __post_init__(self) -> None:
        check_fields(self)
        self._check_ranges()
        self._check_plugins()

    @classmethod
    def check_keys(cls, overrides: dict[str, object]) -> None:
        """Raise `ConfigError` unless every key of ``overrides`` names a parameter."""
        allowed = sorted(f.name for f in fields(cls))
        unknown = sorted(set(overrides) - set(allowed))
        if unknown:
            raise ConfigError(
                f"unknown router parameter {unknown[0]!r}; allowed: {', '.join(allowed)}"
            )

    def _check_plugins(self) -> None:
        """Each named part resolves to a callable that takes the arguments the router passes."""
        from desim.noc.validation import check_plugin_call
        from desim.registry import ALLOCATOR, ARBITER, SELECTION

        check_plugin_call("arbiter", self.arbiter, ARBITER.get(self.arbiter), 2)
        check_plugin_call("selection", self.selection, SELECTION.get(self.selection), [], [], None)
        for name in (self.vc_allocator, self.sw_allocator):
            check_plugin_call("allocator", name, ALLOCATOR.get(name), {}, [], [], None)

    def _check_ranges(self) -> None:
        for name in (
            "vcs",
            "vc_buffer_flits",
            "vc_alloc_delay_cycles",
            "sw_alloc_delay_cycles",
            "st_delay_cycles",
            "injection_latency_cycles",
            "ejection_latency_cycles",
            "flit_width_bits",
        ):
            check_key_int(name, getattr(self, name), 1)
        for name in ("input_speedup", "output_speedup"):
            value = getattr(self, name)
            require_key(value == 1, name, f"only 1 is modelled (a plain crossbar), got {value!r}")
        for name in ("routing_delay_cycles", "credit_delay_cycles"):
            check_key_int(name, getattr(self, name), 0)

    @property
    def hop_delay_cycles(self) -> int:
        """Zero-load cycles per router, its outgoing link excluded."""
        return (
            self.routing_delay_cycles
            + self.vc_alloc_delay_cycles
            + self.sw_alloc_delay_cycles
            + self.st_delay_cycles
        )
