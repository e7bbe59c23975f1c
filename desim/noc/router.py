"""The input-queued virtual-channel router: input units, route, VC allocator, switch allocator.

Wormhole switching with credit-based flow control. A head flit is routed on arrival (lookahead), then
competes for an output VC (separable iSLIP allocation, one iteration: Dally & Towles, *Principles
and Practices of Interconnection Networks*, 2004, 19.3; McKeown, IEEE/ACM ToN 7(2), 1999); every
flit of a packet holding an output VC competes for the crossbar (separable iSLIP over input and
output ports) when its VC has a credit downstream. A granted flit leaves the input buffer, returns
a credit upstream and reaches the next hop after switch traversal and the link.

The router is event-driven: it runs a cycle only while it has flits that may move, and sleeps (costs
nothing) when all of them wait for a credit or a VC, until a flit or a credit arrives.

Indices: an input VC is ``iv = in_port * V + vc``, an output VC ``ov = out_port * V + vc``; network
ports come first (in increasing neighbour id, as `RoutingContext`), terminal ports after them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desim.kernel.module import Module
from desim.noc.arbiters import Arbiter
from desim.noc.flit import Flit
from desim.noc.params import RouterParams
from desim.noc.routing.base import Candidate, RouteFunction

if TYPE_CHECKING:
    from desim.noc.network import Network

__all__ = ["Router"]

_UNLIMITED = 1 << 30  # credits of an ejection VC: the sink consumes at once


class Router(Module):
    """One router of the network.

    Parameters
    ----------
    rid : int
        Router id (the graph node).
    network : Network
        The enclosing network (its event calendar and statistics).
    net_ports : int
        Ports to neighbouring routers.
    terminals : int
        Terminal (injection/ejection) ports.
    """

    def __init__(self, rid: int, network: Network, net_ports: int, terminals: int,
                 params: RouterParams, route: RouteFunction,
                 arbiter: Callable[[int], Arbiter], select: Callable[..., int]) -> None:
        super().__init__(f"r{rid}", network)
        self.rid = rid
        self.net = network
        self.params = params
        self.route = route
        self.select = select
        self.net_ports = net_ports
        self.ports = ports = net_ports + terminals
        self.V = vcs = params.vcs
        n = ports * vcs
        self.buf: list[deque[Flit]] = [deque() for _ in range(n)]
        self.in_ov = [-1] * n          # output VC held by each input VC's packet, -1 if none
        self.in_ready = [0] * n        # first cycle the input VC may bid for the switch
        self.va_wait: dict[int, tuple[int, list[Candidate]]] = {}  # iv -> (ready, candidates)
        self.sa_vcs: set[int] = set()  # input VCs holding an output VC
        depth = params.vc_buffer_flits
        self.credits = [depth] * (net_ports * vcs) + [_UNLIMITED] * (terminals * vcs)
        self.ov_busy = [False] * n
        self.ov_tail_sent = [False] * n
        self.va_out_arb = [arbiter(n) for _ in range(n)]
        self.va_in_arb = [arbiter(n) for _ in range(n)]
        self.sa_out_arb = [arbiter(ports) for _ in range(ports)]
        self.sa_in_arb = [arbiter(ports) for _ in range(ports)]
        self.vc_rr = [0] * ports       # per input port: VC round-robin offset for switch requests
        self.sent = [0] * ports        # flits sent per output port
        self.active = False
        # wiring, filled by the network: where each output port leads and each input port comes from
        self.downstream: list[Any] = [None] * ports
        self.upstream: list[Any] = [None] * ports

    # ------------------------------------------------------------------ arrivals
    def receive_flit(self, port: int, flit: Flit) -> None:
        """A flit arrives at input ``port`` on VC ``flit.vc`` (in the network's current cycle)."""
        now = self.net.now
        iv = port * self.V + flit.vc
        buf = self.buf[iv]
        buf.append(flit)
        flit.ready = now
        if len(buf) == 1:
            if flit.head:
                self._route_head(iv, flit, now)
            # a body flit finds its VC already holding an output VC: it bids at once
        self.net.wake(self)

    def receive_credit(self, ov: int) -> None:
        """A credit for output VC ``ov`` returns from downstream."""
        self.credits[ov] += 1
        if self.ov_tail_sent[ov] and self.credits[ov] == self.params.vc_buffer_flits:
            self.ov_tail_sent[ov] = False
            self.ov_busy[ov] = False
        if self.sa_vcs or self.va_wait:
            self.net.wake(self)

    def _route_head(self, iv: int, flit: Flit, now: int) -> None:
        packet = flit.packet
        if packet.dest_router == self.rid:
            port = self.net.ejection_port[packet.dest]
            candidates = [Candidate(port, 0, self.V - 1)]
        else:
            candidates = self.route(self.rid, iv // self.V, packet)
        self.va_wait[iv] = (now + self.params.routing_delay_cycles, candidates)

    # ------------------------------------------------------------------ one cycle
    def step(self, now: int) -> bool:
        """Run VC then switch allocation for cycle ``now``; return whether to stay awake."""
        moved = False
        pending = False
        if self.va_wait:
            moved, pending = self._allocate_vcs(now)
        if self.sa_vcs:
            sa_moved, sa_pending = self._allocate_switch(now)
            moved = moved or sa_moved
            pending = pending or sa_pending
        return moved or pending

    def _free_vcs(self, candidate: Candidate) -> list[int]:
        base = candidate.port * self.V
        busy = self.ov_busy
        return [ov for ov in range(base + candidate.vc_first, base + candidate.vc_last + 1)
                if not busy[ov]]

    def _va_requests(self, now: int) -> tuple[dict[int, list[int]], bool]:
        """Output VC -> requesting input VCs, for the heads ready this cycle."""
        requests: dict[int, list[int]] = {}
        pending = False
        for iv, (ready, candidates) in self.va_wait.items():
            if ready > now:
                pending = True
                continue
            if len(candidates) == 1:
                wanted = self._free_vcs(candidates[0])
            else:
                wanted = self._select(candidates)
            for ov in wanted:
                requests.setdefault(ov, []).append(iv)
        return requests, pending

    def _select(self, candidates: list[Candidate]) -> list[int]:
        """Adaptive routing: the selection function picks one candidate among those with a free VC."""
        options = [(c, free) for c in candidates if (free := self._free_vcs(c))]
        if not options:
            return []
        if len(options) == 1:
            return options[0][1]
        credits = [sum(self.credits[ov] for ov in free) for _, free in options]
        chosen = self.select([c for c, _ in options], credits, self.net.rng)
        return options[chosen][1]

    def _allocate_vcs(self, now: int) -> tuple[bool, bool]:
        requests, pending = self._va_requests(now)
        if not requests:
            return False, pending
        grants: dict[int, list[int]] = {}
        out_arb = self.va_out_arb
        for ov, ivs in requests.items():
            winner = ivs[0] if len(ivs) == 1 else out_arb[ov].grant(ivs, self._ages(ivs, now))
            grants.setdefault(winner, []).append(ov)
        ready = now + self.params.vc_alloc_delay_cycles
        for iv, ovs in grants.items():
            ov = ovs[0] if len(ovs) == 1 else self.va_in_arb[iv].grant(ovs, self._ages([iv] * len(ovs), now))
            out_arb[ov].update(iv)
            self.va_in_arb[iv].update(ov)
            del self.va_wait[iv]
            self.ov_busy[ov] = True
            self.in_ov[iv] = ov
            self.in_ready[iv] = ready
            self.sa_vcs.add(iv)
        return True, True

    def _sa_requests(self, now: int) -> tuple[dict[int, dict[int, int]], bool]:
        """Input port -> {output port: input VC}: per input, the first VC in round-robin order
        from the port's offset that bids for each output."""
        requests: dict[int, dict[int, int]] = {}
        pending = False
        V = self.V
        credits, in_ov, in_ready, buf, vc_rr = self.credits, self.in_ov, self.in_ready, self.buf, self.vc_rr
        for iv in self.sa_vcs:
            queue = buf[iv]
            if not queue:
                continue
            if queue[0].ready > now or in_ready[iv] > now:
                pending = True
                continue
            ov = in_ov[iv]
            if credits[ov] <= 0:
                continue
            in_port, out_port = divmod(iv, V)[0], ov // V
            bids = requests.setdefault(in_port, {})
            held = bids.get(out_port)
            if held is None or (iv - vc_rr[in_port]) % V < (held - vc_rr[in_port]) % V:
                bids[out_port] = iv
        return requests, pending

    def _allocate_switch(self, now: int) -> tuple[bool, bool]:
        requests, pending = self._sa_requests(now)
        if not requests:
            return False, pending
        by_output: dict[int, list[int]] = {}
        for in_port, bids in requests.items():
            for out_port in bids:
                by_output.setdefault(out_port, []).append(in_port)
        grants: dict[int, list[int]] = {}
        for out_port, in_ports in by_output.items():
            if len(in_ports) == 1:
                winner = in_ports[0]
            else:
                ages = self._ages([requests[p][out_port] for p in in_ports], now)
                winner = self.sa_out_arb[out_port].grant(in_ports, ages)
            grants.setdefault(winner, []).append(out_port)
        for in_port, out_ports in grants.items():
            if len(out_ports) == 1:
                out_port = out_ports[0]
            else:
                ages = self._ages([requests[in_port][o] for o in out_ports], now)
                out_port = self.sa_in_arb[in_port].grant(out_ports, ages)
            self.sa_out_arb[out_port].update(in_port)
            self.sa_in_arb[in_port].update(out_port)
            self._traverse(requests[in_port][out_port], now)
        return True, True

    def _ages(self, ivs: list[int], now: int) -> list[int]:
        """Age in cycles of the packet at the head of each input VC (for age-based arbiters)."""
        return [now - self.buf[iv][0].packet.created for iv in ivs]

    def _traverse(self, iv: int, now: int) -> None:
        """The granted flit leaves its buffer, crosses the switch and takes the link."""
        V = self.V
        queue = self.buf[iv]
        flit = queue.popleft()
        ov = self.in_ov[iv]
        in_port, vc = divmod(iv, V)
        out_port = ov // V
        self.vc_rr[in_port] = (vc + 1) % V
        self.credits[ov] -= 1
        self.sent[out_port] += 1
        flit.vc = ov - out_port * V
        net = self.net
        net.forward(self, out_port, flit, now)
        net.return_credit(self, in_port, vc, now)
        if flit.head:
            flit.packet.hops += 1
        if flit.tail:
            self.sa_vcs.discard(iv)
            self.in_ov[iv] = -1
            if self.params.wait_for_tail_credit and out_port < self.net_ports:
                self.ov_tail_sent[ov] = True
            else:
                self.ov_busy[ov] = False
            if queue:  # the next packet's head waits behind the tail in the same VC
                self._route_head(iv, queue[0], now + 1)

    # ------------------------------------------------------------------ introspection
    def buffered_flits(self) -> int:
        """Flits in the input buffers."""
        return sum(len(q) for q in self.buf)

    def waits(self) -> list[tuple[int, int, str, int | None]]:
        """What each non-empty input VC waits for: (in_port, vc, reason, output VC or None)."""
        out = []
        V = self.V
        for iv, queue in enumerate(self.buf):
            if not queue:
                continue
            ov = self.in_ov[iv]
            if ov < 0:
                out.append((iv // V, iv % V, "vc", None))
            elif self.credits[ov] <= 0:
                out.append((iv // V, iv % V, "credit", ov))
            else:
                out.append((iv // V, iv % V, "switch", ov))
        return out

    def trace(self) -> str:
        return (f"{self.path}: {self.buffered_flits()} flits buffered, "
                f"{len(self.va_wait)} heads awaiting a VC, sent per port {self.sent}")

    def stats(self) -> dict[str, Any]:
        return {"flits_sent": sum(self.sent), "flits_sent_per_port": list(self.sent)}
