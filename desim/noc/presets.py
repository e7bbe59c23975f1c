"""Router presets (registry ``router``): named `RouterParams`, each citing its source."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from desim.noc.params import RouterParams
from desim.registry import ROUTER

__all__ = ["booksim", "simple", "router_params"]


def booksim(**overrides: Any) -> RouterParams:
    """BookSim2's input-queued router in the configuration desim was calibrated against ("R0").

    4 VCs x 8-flit buffers, lookahead routing (routing delay 0), VC allocation 1, switch
    allocation 1, switch traversal 1, 1-cycle links, credit delay 2, iSLIP allocators with
    round-robin arbiters, ``wait_for_tail_credit = 0``, speedups 1 (Jiang et al., ISPASS 2013).
    The terminal channels (2 cycles in, 1 out) give BookSim's zero-load latency of
    ``6 + 4 D`` cycles for D inter-router hops.
    """
    return replace(RouterParams(), **overrides)


def simple(**overrides: Any) -> RouterParams:
    """A single-cycle router (VC and switch allocation in one cycle each, no credit delay), a
    common idealised baseline for architectural exploration."""
    base = RouterParams(credit_delay_cycles=0, injection_latency_cycles=1)
    return replace(base, **overrides)


ROUTER.register("booksim", booksim, source="BookSim2 iq router (its defaults, R0)")
ROUTER.register("simple", simple, source="idealised single-cycle stages")


def router_params(preset: str | RouterParams = "booksim", **overrides: Any) -> RouterParams:
    """Resolve a preset name (or params) and apply overrides (validated: an unknown key or a
    wrong value raises `ConfigError`)."""
    RouterParams.check_keys(overrides)
    if isinstance(preset, RouterParams):
        return replace(preset, **overrides)
    return ROUTER.get(preset)(**overrides)
