"""The input-queued virtual-channel router: input units, route, VC allocator, switch allocator.

Wormhole switching with credit-based flow control. A head flit is routed on arrival (lookahead),
then competes for an output VC (separable iSLIP allocation, one iteration: Dally & Towles,
*Principles and Practices of Interconnection Networks*, 2004, 19.3; McKeown, IEEE/ACM ToN 7(2),
1999); every flit of a packet holding an output VC competes for the crossbar (separable iSLIP over
input and output ports) when its VC has a credit downstream. A granted flit leaves the input
buffer, returns a credit upstream and reaches the next hop after switch traversal and the link.
The route, the VC and switch allocators (registry ``allocator``) and their arbiters are injected
callables (iSLIP with round-robin arbiters by default, as BookSim).

The router is event-driven: it runs a cycle only while it has flits that may move, and sleeps (costs
nothing) when all of them wait for a credit or a VC, until a flit or a credit arrives.

Multicast packets of the ``tree`` scheme (``packet.dests`` set) are replicated to several output
ports by the rules of `desim.noc.replication`, which run before the unicast allocators each cycle.

Indices: an input VC is ``iv = in_port * V + vc``, an output VC ``ov = out_port * V + vc``; network
ports come first (in increasing neighbour id, as `RoutingContext`), terminal ports after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from mypy_extensions import mypyc_attr

from desim.kernel.errors import ConfigError, InvariantError
from desim.kernel.module import Module
from desim.noc.allocators import Allocator, islip, islip_round_robin
from desim.noc.arbiters import Arbiter, RoundRobinArbiter, bits, lowest_bit, round_robin_choice
from desim.noc.flit import Flit, Packet
from desim.noc.params import RouterParams
from desim.noc.replication import Fork, allocate_forks, replicate, route_fork
from desim.noc.routing.base import Candidate, PairRoute, Route, RouteFunction, StateRoute

if TYPE_CHECKING:
    from desim.noc.engine import Engine
    from desim.noc.multicast import Branch
    from desim.noc.network import Network

__all__ = ["Router"]

_UNLIMITED: Final = 1 << 30  # credits of an ejection VC: the sink consumes at once
_UNROUTED: Final = 255  # a route table entry not filled yet (and the most answers a table keeps)

# One end of a link as the sender sees it: (the receiver, the receiver's port or VC base, the delay
# in cycles). The receiver is a Router or a NetworkInterface (the engine calls its receive_flit, or
# its receive_credit for a credit) or a handler(port, item) (see `Engine.post`).
Link = tuple[Any, int, int]


def _unwired(port: int, item: Any) -> None:
    raise InvariantError(f"a router port was never wired (far port {port}, carrying {item!r})")


_UNWIRED: Link = (_unwired, -1, 0)


class RouteAnswer:
    """A route answer as the router's VC allocation reads it: the candidates, and per candidate
    its allowed output VCs as a bit mask over output VCs (``ov = port * V + vc``), computed once
    per answer rather than per bid.

    Examples
    --------
    >>> RouteAnswer([Candidate(1, 0, 1), Candidate(2, 1, 1)], 4).spans == [0b11 << 4, 0b10 << 8]
    True
    """

    def __init__(self, candidates: list[Candidate], vcs: int) -> None:
        self.candidates = candidates
        self.spans = [
            ((2 << (c.vc_last - c.vc_first)) - 1) << (c.port * vcs + c.vc_first) for c in candidates
        ]


# an input VC's entry in ``Router.routed`` until its first head is routed
_NOT_ROUTED: Final = RouteAnswer([], 1)

# per (network ports, ports, VCs): per port the answer that ejects there (any VC), _NOT_ROUTED for
# a network port; routers of one shape share one tuple
_EJECTIONS: dict[tuple[int, int, int], tuple[RouteAnswer, ...]] = {}


def _ejection_answers(net_ports: int, ports: int, vcs: int) -> tuple[RouteAnswer, ...]:
    key = (net_ports, ports, vcs)
    answers = _EJECTIONS.get(key)
    if answers is None:
        answers = _EJECTIONS[key] = (_NOT_ROUTED,) * net_ports + tuple(
            RouteAnswer([Candidate(p, 0, vcs - 1)], vcs) for p in range(net_ports, ports)
        )
    return answers


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (desim._compiled); may be subclassed
class Router(Module):
    """One router of the network.

    Parameters
    ----------
    rid : int
        Router id (the graph node).
    network : Network
        The enclosing network (its engine, counters and routing context).
    net_ports : int
        Ports to neighbouring routers.
    terminals : int
        Terminal (injection/ejection) ports.
    params : RouterParams
    route : Route
        The routing policy's route, as `desim.noc.routing.resolve_routing` returns it.
    arbiter, select, vc_allocator, sw_allocator
        The injected arbiter factory, selection function and allocators.

    A subclass (``Network(router_cls=...)``) takes the same arguments; it may override the
    public methods (`receive_flit`, `receive_credit`, `step`) and call the base ones.

    With ``round_robin`` arbiters and ``islip`` for both allocators the router is *banked*: its
    arbiter lists (``va_out_arb``, ``va_in_arb``, ``sa_out_arb``, ``sa_in_arb``) are empty and the
    arbiters' round-robin pointers are in ``va_out_ptr``, ``va_in_ptr``, ``sa_out_ptr`` and
    ``sa_in_ptr`` (a pointer is the last winner + 1, not wrapped; see
    `desim.noc.allocators.islip_round_robin`); otherwise the arbiter lists hold the arbiters and
    the pointer lists are empty.
    """

    def __init__(
        self,
        rid: int,
        network: Network,
        net_ports: int,
        terminals: int,
        params: RouterParams,
        route: Route,
        arbiter: Callable[[int], Arbiter],
        select: Callable[..., int],
        vc_allocator: Allocator = islip,
        sw_allocator: Allocator = islip,
    ) -> None:
        super().__init__(f"r{rid}", network)
        self.rid = rid
        self.net = network
        self.engine: Engine = network.engine
        self.params = params
        self.route: RouteFunction = route.call
        # a policy answering per (router, destination) only: its answers read from a table here
        self.route_pairs: PairRoute | None = route.by_destination
        # per destination router, one byte: the index of its answer in ``route_answers``, each
        # distinct answer kept once (a few per router), or _UNROUTED until first asked (a byte,
        # not a list slot, per destination: 1 MB rather than 8 MB of tables on a 32 x 32 mesh)
        self.routers = routers = len(network.ctx.neighbors)
        self.route_table = bytearray([_UNROUTED]) * (routers if route.by_destination else 0)
        self.route_answers: list[RouteAnswer] = []
        self.route_slots: dict[tuple[Candidate, ...], int] = {}  # answer -> its index
        # a policy planning each packet at its first hop: per plan, a table of the same kind,
        # made when a packet with that plan first passes (most routers see a few plans)
        self.route_by_state: StateRoute | None = route.by_state
        self.route_plans = route.route_states
        self.plan_tables: list[bytearray] = [bytearray()] * self.route_plans
        self.select = select
        self.net_ports = net_ports
        self.ports = ports = net_ports + terminals
        self.V = vcs = params.vcs
        n = ports * vcs
        # per input VC, its flits in arrival order (a list: at most a few flits, and a tenth of
        # a deque's memory, which matters for cache footprint on large meshes)
        self.buf: list[list[Flit]] = [[] for _ in range(n)]
        self.in_ov = [-1] * n  # output VC held by each input VC's packet, -1 if none
        # the input VCs whose head awaits an output VC, in arrival order, and per input VC its
        # head's route answer (a list, not a dictionary: mypyc reads and iterates lists natively)
        self.va_wait: list[int] = []
        self.routed: list[RouteAnswer] = [_NOT_ROUTED] * n
        # VC allocation's bids, written afresh each call: per bidding head its input VC and the
        # output VCs it bids for (2 slots per input VC; a list kept, not one allocated per call)
        self.va_bids = [0] * (2 * n)
        self.sa_vcs: set[int] = set()  # input VCs holding an output VC
        # switch allocation's bids and its choice per (in port, out port) pair, written afresh
        # each call (lists kept, not allocated per call; see `_allocate_switch`)
        self.sa_bids = [0] * n
        self.sa_chosen = [-1] * (ports * ports)
        self.sa_keys = [0] * (ports * ports)
        self.depth = depth = params.vc_buffer_flits
        self.credits = [depth] * (net_ports * vcs) + [_UNLIMITED] * (terminals * vcs)
        self.busy = 0  # bit mask of the output VCs held by a packet
        self.ov_tail_sent = [False] * n
        self.eject = _ejection_answers(net_ports, ports, vcs)
        self.vc_allocator = vc_allocator
        self.sw_allocator = sw_allocator
        # iSLIP over round-robin arbiters (BookSim's router) keeps its arbiters as a bank: one
        # pointer (an int) per arbiter, per output and input VC and per output and input port,
        # and runs natively on bit masks (`islip_round_robin`, with contention-free shortcuts
        # giving the same outcome); any other arbiter or allocator gets arbiter objects and is
        # called through the plug-in interface
        self.banked = banked = (
            vc_allocator is islip and sw_allocator is islip and arbiter is RoundRobinArbiter
        )
        self.va_out_ptr = [0] * n if banked else []
        self.va_in_ptr = [0] * n if banked else []
        self.sa_out_ptr = [0] * ports if banked else []
        self.sa_in_ptr = [0] * ports if banked else []
        # the bank's requests, per output VC and per output port: the heads or input ports
        # bidding for it (bit masks, 0 between allocations; kept, not allocated per call)
        self.va_requests = [0] * n if banked else []
        self.sa_requests = [0] * ports if banked else []
        self.va_out_arb = [] if banked else [arbiter(n) for _ in range(n)]
        self.va_in_arb = [] if banked else [arbiter(n) for _ in range(n)]
        self.sa_out_arb = [] if banked else [arbiter(ports) for _ in range(ports)]
        self.sa_in_arb = [] if banked else [arbiter(ports) for _ in range(ports)]
        # skip computing ages unless the arbiters read them
        self.ages_matter = not banked and self.sa_in_arb[0].uses_ages
        self.vc_rr = [0] * ports  # per input port: VC round-robin offset for switch requests
        self.sent = [0] * ports  # flits sent per output port
        self.active = False
        # wiring, filled by the network: where each output port leads and each input port comes from
        # (handler, far port or VC base, delay): a flit leaving each output port, a credit leaving
        # each input port
        self.downstream: list[Link] = [_UNWIRED] * ports
        self.upstream: list[Link] = [_UNWIRED] * ports
        self.route_delay = params.routing_delay_cycles
        self.va_delay = params.vc_alloc_delay_cycles
        self.wait_tail = params.wait_for_tail_credit
        self.counters = network.counters
        # tree multicast (desim.noc.replication): per set of targets its branches here; per input
        # VC the branches of a multicast head awaiting output VCs, or the allocated fork; the
        # ports multicast flits used this cycle (bit masks); extra outputs of replicated flits
        self.fork_routes: dict[frozenset[int], list[Branch]] = {}
        self.fork_wait: dict[int, list[Branch]] = {}
        self.forks: dict[int, Fork] = {}
        self.claimed_in = 0
        self.claimed_out = 0
        self.replicas = 0

    # ------------------------------------------------------------------ arrivals
    def receive_flit(self, port: int, flit: Flit) -> None:
        """A flit arrives at input ``port`` on VC ``flit.vc`` (in the network's current cycle)."""
        now = self.engine.now
        iv = port * self.V + flit.vc
        buf = self.buf[iv]
        buf.append(flit)
        flit.ready = now
        if len(buf) == 1 and flit.head:
            self._route_head(iv, flit, now)
        # (a body flit finds its VC already holding an output VC: it bids at once)
        if not self.active:
            self.engine.wake(self)

    def receive_credit(self, ov: int, _unused: None = None) -> None:
        """A credit for output VC ``ov`` returns from downstream."""
        credits = self.credits
        credits[ov] = credits[ov] + 1  # (not +=: mypyc would add generically)
        if self.ov_tail_sent[ov] and credits[ov] == self.depth:
            self.ov_tail_sent[ov] = False
            self.busy &= ~(1 << ov)
        if self.sa_vcs or self.va_wait or self.fork_wait:
            self.engine.wake(self)

    def _route_head(self, iv: int, flit: Flit, now: int) -> None:
        packet = flit.packet
        if packet.dests is not None:
            route_fork(self, iv, flit, now)
            return
        dest = packet.dest_router
        if dest == self.rid:
            routed = self.eject[self.net.ejection_port[packet.dest]]
        elif self.route_pairs is not None:
            slot = self.route_table[dest]
            if slot == _UNROUTED:
                routed = self._learn(self.route_table, dest, self.route_pairs(self.rid, dest))
            else:
                routed = self.route_answers[slot]
        elif self.route_by_state is not None:
            state = packet.route_state
            first: list[Candidate] | None = None
            if state is None:  # the first hop: the policy plans the packet (and answers)
                first = self.route(self.rid, iv // self.V, packet)
                state = packet.route_state
            if not isinstance(state, int) or not 0 <= state < self.route_plans:
                raise self._bad_plan(packet)
            table = self.plan_tables[state]
            if not table:
                table = self.plan_tables[state] = bytearray([_UNROUTED]) * self.routers
            slot = table[dest]
            if slot == _UNROUTED:
                if first is None:
                    first = self.route_by_state(self.rid, dest, state)
                routed = self._learn(table, dest, first)
            else:
                routed = self.route_answers[slot]
        else:
            routed = RouteAnswer(self.route(self.rid, iv // self.V, packet), self.V)
        flit.ready = now + self.route_delay
        self.routed[iv] = routed
        self.va_wait.append(iv)

    def _learn(self, table: bytearray, dest: int, answer: list[Candidate]) -> RouteAnswer:
        """Keep the policy's ``answer`` for ``dest`` in ``table`` (each distinct answer once, in
        ``route_answers``; once the router holds _UNROUTED of them, new ones are not kept and the
        policy is asked every time)."""
        key = tuple(answer)
        slot = self.route_slots.get(key)
        if slot is None:
            slot = len(self.route_answers)
            if slot == _UNROUTED:
                return RouteAnswer(answer, self.V)
            self.route_slots[key] = slot
            self.route_answers.append(RouteAnswer(answer, self.V))
        table[dest] = slot
        return self.route_answers[slot]

    def _bad_plan(self, packet: Packet) -> ConfigError:
        return ConfigError(
            f"routing policy set route_state={packet.route_state!r} for {packet!r}; its route "
            f"declares by_state, so route_state must be an int below {self.route_plans}"
        )

    # ------------------------------------------------------------------ one cycle
    def step(self, now: int) -> bool:
        """Run VC then switch allocation for cycle ``now``; return whether to stay awake."""
        awake = False
        if self.fork_wait:
            awake = allocate_forks(self, now)
        if self.forks:
            awake = replicate(self, now) or awake
        if self.va_wait:
            awake = self._allocate_vcs(now) or awake
        if self.sa_vcs:
            awake = self._allocate_switch(now) or awake
        if self.claimed_in:  # the ports multicast flits used hold for this cycle only
            self.claimed_in = self.claimed_out = 0
        return awake

    def _age(self, now: int) -> Callable[[int], int]:
        """``age(iv)``: cycles since the packet at the head of input VC ``iv`` was created."""
        buf = self.buf
        return lambda iv: now - buf[iv][0].packet.created

    def _wanted_vcs(self, routed: RouteAnswer) -> int:
        """The free output VCs a head bids for (a bit mask): those of its only candidate or, for
        adaptive routing, of the candidate the selection function picks among those with a free
        VC."""
        spans = routed.spans
        free_of = ~self.busy
        if len(spans) == 1:
            return spans[0] & free_of
        options: list[Candidate] = []
        frees: list[int] = []
        for i in range(len(spans)):
            free = spans[i] & free_of
            if free:
                options.append(routed.candidates[i])
                frees.append(free)
        if len(frees) <= 1:
            return frees[0] if frees else 0
        credits = [sum(self.credits[ov] for ov in bits(free)) for free in frees]
        return frees[self.select(options, credits, self.net.rng)]

    def _allocate_vcs(self, now: int) -> bool:
        """VC allocation by the injected allocator: the heads ready this cycle bid for the free
        output VCs of their (selected) candidate; each matched head takes its output VC."""
        # in the first ``nb`` slots, per bidding head: its input VC, the output VCs it bids for
        bids = self.va_bids
        nb = 0
        pending = False
        taken = 0  # bit mask of the output VCs bid for, while no two heads bid for the same one
        disjoint = self.banked
        buf, routed = self.buf, self.routed
        for iv in self.va_wait:
            if buf[iv][0].ready > now:
                pending = True
                continue
            ovs = self._wanted_vcs(routed[iv])
            if ovs:
                bids[nb] = iv
                bids[nb + 1] = ovs
                nb += 2
                if taken & ovs:
                    disjoint = False
                taken |= ovs
        if not nb:
            return pending
        if disjoint:  # iSLIP without contention: every head is granted all it asks for
            for i in range(0, nb, 2):
                self._accept_vc(bids[i], bids[i + 1], now)
            return True
        if self.banked:
            bidders = self.va_requests
            outputs: list[int] = []  # the output VCs bid for, in the order first bid for
            for i in range(0, nb, 2):
                bit = 1 << bids[i]
                ovs = bids[i + 1]
                while ovs:  # each output VC bid for, lowest first (as `bits`, without its list)
                    ov = lowest_bit(ovs)
                    ovs ^= 1 << ov
                    if not bidders[ov]:
                        outputs.append(ov)
                    bidders[ov] = bidders[ov] | bit
            matches = islip_round_robin(outputs, bidders, self.va_out_ptr, self.va_in_ptr)
            for i in range(0, len(matches), 2):
                self._take_vc(matches[i], matches[i + 1], now)
            return True
        requests: dict[int, list[int]] = {}
        for i in range(0, nb, 2):
            iv = bids[i]
            for ov in bits(bids[i + 1]):
                requesting = requests.get(ov)
                if requesting is None:
                    requests[ov] = [iv]
                else:
                    requesting.append(iv)
        age = self._age(now)
        for iv, ov in self.vc_allocator(requests, self.va_out_arb, self.va_in_arb, age):
            self._take_vc(iv, ov, now)
        return True  # matched heads bid for the switch next cycle, the others retry

    def _accept_vc(self, iv: int, ovs: int, now: int) -> None:
        """iSLIP's outcome for a head granted every output VC in the bit mask ``ovs``: it accepts
        one by its round-robin pointer, and both pointers move (the same outcome as
        `islip_round_robin`'s, without its request tables)."""
        ov = round_robin_choice(ovs, self.va_in_ptr[iv])
        self.va_out_ptr[ov] = iv + 1
        self.va_in_ptr[iv] = ov + 1
        self._take_vc(iv, ov, now)

    def _take_vc(self, iv: int, ov: int, now: int) -> None:
        """Input VC ``iv``'s packet now holds output VC ``ov``; it bids for the switch next."""
        waiting = self.va_wait
        if len(waiting) == 1:
            waiting.clear()  # (not remove: see `_traverse`)
        else:
            waiting.remove(iv)
        self.busy |= 1 << ov
        self.in_ov[iv] = ov
        self.buf[iv][0].ready = now + self.va_delay  # the head bids for the switch from then
        self.sa_vcs.add(iv)

    def _allocate_switch(self, now: int) -> bool:
        """Switch allocation by the injected allocator over input and output ports: the input
        VCs whose head flit may cross now (ready, with a credit) bid; an input port bids, per
        output, with its first VC in round-robin order from the port's offset."""
        bids = self.sa_bids  # in the first ``nb`` slots: the bidding input VCs
        nb = 0
        pending = False
        credits, in_ov, buf = self.credits, self.in_ov, self.buf
        for iv in self.sa_vcs:
            queue = buf[iv]
            if not queue:
                continue
            if queue[0].ready > now:
                pending = True
            elif credits[in_ov[iv]] > 0:
                bids[nb] = iv
                nb += 1
        if self.claimed_in and nb:  # multicast flits took some ports: those bids retry
            free = self._unclaimed(nb)
            pending = pending or free < nb
            nb = free
        if not nb:
            return pending
        V, P = self.V, self.ports
        vc_rr = self.vc_rr
        banked = self.banked
        if nb == 1 and banked:  # iSLIP with one bid: it is granted
            iv = bids[0]
            in_port = iv // V
            out_port = in_ov[iv] // V
            self.sa_out_ptr[out_port] = in_port + 1
            self.sa_in_ptr[in_port] = out_port + 1
            return self._traverse(iv, now) or pending
        # per (in port, out port) pair bid for, ``key = in port * P + out port``: the input VC
        # bidding for it (-1 outside this call), and in the first ``nk`` slots of ``keys`` the
        # pairs in the order first bid for
        chosen, keys = self.sa_chosen, self.sa_keys
        nk = 0
        for i in range(nb):
            iv = bids[i]
            in_port = iv // V
            key = in_port * P + in_ov[iv] // V
            held = chosen[key]
            if held < 0:
                keys[nk] = key
                nk += 1
                chosen[key] = iv
            else:
                offset = vc_rr[in_port]
                if (iv - offset) % V < (held - offset) % V:
                    chosen[key] = iv
        awake = pending or nk < nb  # a bid not chosen retries next cycle
        if not banked:
            awake = (
                self._allocate_ports({keys[i]: chosen[keys[i]] for i in range(nk)}, now) or awake
            )
        elif self._conflict_free(nk):
            # iSLIP when no two bids share an input or an output port: every bid is granted
            out_ptr, in_ptr = self.sa_out_ptr, self.sa_in_ptr
            for i in range(nk):
                key = keys[i]
                in_port = key // P
                out_port = key - in_port * P
                out_ptr[out_port] = in_port + 1
                in_ptr[in_port] = out_port + 1
                awake = self._traverse(chosen[key], now) or awake
        else:
            requests = self.sa_requests
            outputs: list[int] = []  # the output ports bid for, in the order first bid for
            for i in range(nk):
                key = keys[i]
                in_port = key // P
                out_port = key - in_port * P
                if not requests[out_port]:
                    outputs.append(out_port)
                requests[out_port] = requests[out_port] | (1 << in_port)
            matches = islip_round_robin(outputs, requests, self.sa_out_ptr, self.sa_in_ptr)
            awake = awake or len(matches) < 2 * nk  # a bid lost: it retries next cycle
            for i in range(0, len(matches), 2):
                awake = self._traverse(chosen[matches[i] * P + matches[i + 1]], now) or awake
        for i in range(nk):
            chosen[keys[i]] = -1
        return awake

    def _allocate_ports(self, chosen: dict[int, int], now: int) -> bool:
        """Switch allocation through the plug-in interface (any allocator and arbiters): the
        chosen bids (in port * ports + out port -> input VC) are matched and cross; returns
        whether a bid lost (it retries next cycle) or a traversal asks to run next cycle."""
        P = self.ports
        requests: dict[int, list[int]] = {}
        for key in chosen:
            in_port = key // P
            out_port = key - in_port * P
            bidders = requests.get(out_port)
            if bidders is None:
                requests[out_port] = [in_port]
            else:
                bidders.append(in_port)
        oldest: dict[int, int] = {}  # per input port, its oldest bidding packet
        if self.ages_matter:  # only age-based arbiters read it: skip the work otherwise
            age_of_vc = self._age(now)
            for key, iv in chosen.items():
                in_port = key // P
                oldest[in_port] = max(oldest.get(in_port, 0), age_of_vc(iv))
        pairs = self.sw_allocator(
            requests, self.sa_out_arb, self.sa_in_arb, lambda port: oldest.get(port, 0)
        )
        awake = len(pairs) < len(chosen)  # a bid lost: it retries next cycle
        for in_port, out_port in pairs:
            awake = self._traverse(chosen[in_port * P + out_port], now) or awake
        return awake

    def _unclaimed(self, nb: int) -> int:
        """Keep, in order at the front of the first ``nb`` switch bids, those whose input and
        output ports no multicast flit used this cycle; return how many."""
        V, in_ov, bids = self.V, self.in_ov, self.sa_bids
        ins, outs = self.claimed_in, self.claimed_out
        kept = 0
        for i in range(nb):
            iv = bids[i]
            if not (ins >> (iv // V)) & 1 and not (outs >> (in_ov[iv] // V)) & 1:
                bids[kept] = iv
                kept += 1
        return kept

    def _conflict_free(self, nk: int) -> bool:
        """Whether no two of the first ``nk`` chosen (in port, out port) bids share a port."""
        P, keys = self.ports, self.sa_keys
        ins = outs = 0  # bit masks of the ports seen
        for i in range(nk):
            key = keys[i]
            in_port = key // P
            out_port = key - in_port * P
            if (ins >> in_port) & 1 or (outs >> out_port) & 1:
                return False
            ins |= 1 << in_port
            outs |= 1 << out_port
        return True

    def _traverse(self, iv: int, now: int) -> bool:
        """The granted flit leaves its buffer, crosses the switch and takes the link.

        Returns whether the router must run next cycle on this account: more flits wait in the
        VC, or the tail released an output VC that a head here may be waiting for.
        """
        V = self.V
        queue = self.buf[iv]
        flit = queue[0]
        if len(queue) == 1:
            # (not pop: a list emptied by pop keeps a zero-byte block from the system allocator
            # and grows back there; cleared, it lets go of its block and the next flit takes a
            # new one from Python's small-object allocator, at a fraction of the cost)
            queue.clear()
        else:
            queue.pop(0)
        ov = self.in_ov[iv]
        in_port = iv // V
        vc = iv - in_port * V
        out_port = ov // V
        self.vc_rr[in_port] = (vc + 1) % V
        if out_port < self.net_ports:  # (an ejection VC's credits are unlimited)
            credits = self.credits
            credits[ov] = credits[ov] - 1  # (not -=: mypyc would subtract generically)
        sent = self.sent
        sent[out_port] = sent[out_port] + 1
        flit.vc = ov - out_port * V
        engine = self.engine
        handler, far_port, delay = self.downstream[out_port]
        engine.post(now + delay, handler, far_port, flit)
        handler, base, delay = self.upstream[in_port]
        engine.post(now + delay, handler, base + vc, None)
        self.counters.last_move = now
        if flit.head:
            flit.packet.hops += 1
        if flit.tail:
            self.sa_vcs.discard(iv)
            self.in_ov[iv] = -1
            if self.wait_tail and out_port < self.net_ports:
                self.ov_tail_sent[ov] = True
            else:
                self.busy &= ~(1 << ov)
            if queue:  # the next packet's head waits behind the tail in the same VC
                self._route_head(iv, queue[0], now + 1)
            return bool(self.va_wait) or bool(self.fork_wait)
        return bool(queue)

    # ------------------------------------------------------------------ introspection
    def buffered_flits(self) -> int:
        """Flits in the input buffers."""
        return sum(len(q) for q in self.buf)

    def waits(self) -> list[tuple[int, int, str, int | None]]:
        """What each non-empty input VC waits for: (in_port, vc, reason, output VC or None)."""
        out: list[tuple[int, int, str, int | None]] = []
        V = self.V
        for iv, queue in enumerate(self.buf):
            if not queue:
                continue
            ov = self.in_ov[iv]
            fork = self.forks.get(iv)
            if fork is not None:  # (an allocated multicast branch waits only for the switch)
                out.append((iv // V, iv % V, "switch", fork.ovs[0]))
            elif ov < 0:
                out.append((iv // V, iv % V, "vc", None))
            elif self.credits[ov] <= 0:
                out.append((iv // V, iv % V, "credit", ov))
            else:
                out.append((iv // V, iv % V, "switch", ov))
        return out

    def requested(self, iv: int) -> list[Candidate]:
        """The outputs the head at the front of input VC ``iv`` waits for a VC on (every branch
        of a multicast head), or [] if it holds its output VC(s)."""
        if iv in self.va_wait:
            return self.routed[iv].candidates
        return [Candidate(port, first, last) for port, first, last, _ in self.fork_wait.get(iv, [])]

    def trace(self) -> str:
        return (
            f"{self.path}: {self.buffered_flits()} flits buffered, "
            f"{len(self.va_wait)} heads awaiting a VC, sent per port {self.sent}"
        )

    def stats(self) -> dict[str, Any]:
        return {"flits_sent": sum(self.sent), "flits_sent_per_port": list(self.sent)}
