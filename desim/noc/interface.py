"""Network interfaces: packetisation, the source queue, injection, ejection and reassembly.

The source queue is unbounded (as BookSim's), so the offered load is what is measured; at most one
flit enters the network per cycle; a packet's head takes the first free injection VC in round-robin
order and its body follows on the same VC as credits allow. Ejection reassembles packets, checking
that every flit arrives exactly once and in order.

**Multicast** is done by the interfaces, as unicasts sent and relayed (U-mesh by default, or one
copy per destination from the source), or by the routers (``tree``: one packet carrying its
destination set, of which each destination receives its own copy): see `desim.noc.multicast`.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, SupportsIndex

import simpy
from mypy_extensions import mypyc_attr

from desim.kernel.errors import ConfigError, InvariantError
from desim.kernel.module import Module
from desim.noc.flit import Flit, Packet, flit_count
from desim.noc.multicast import MulticastGroup, umesh_sends

if TYPE_CHECKING:
    from desim.noc.engine import Engine
    from desim.noc.network import Network

__all__ = ["NetworkInterface"]


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (desim._compiled); may be subclassed
class NetworkInterface(Module):
    """The terminal ``tid``'s interface to its router (``router``'s terminal port ``port``).

    A subclass (``Network(interface_cls=...)``) takes the same arguments; it may override the
    public methods (`send`, `step`, `receive_flit`, `receive_credit`) and call the base ones.
    """

    def __init__(self, tid: int, network: Network, router: int, port: int) -> None:
        super().__init__(f"ni{tid}", network)
        self.tid = tid
        self.net = network
        self.engine: Engine = network.engine
        self.router = router
        self.port = port
        params = network.params
        self.V = params.vcs
        self.queue: deque[Packet] = deque()
        self.depth = params.vc_buffer_flits
        self.wait_tail = params.wait_for_tail_credit
        self.credits = [self.depth] * self.V
        self.vc_busy = [False] * self.V
        self.tail_pending = [False] * self.V  # wait_for_tail_credit: tail sent, credits not back
        self.vc_rr = 0
        self.packet: Packet | None = None  # the packet being injected
        self.next_flit = 0
        self.vc = -1
        self.active = False
        self.arrived: dict[int, int] = {}  # pid -> flits received so far
        self.inbox: simpy.Store | None = None  # created by `open_inbox` or the first `receive`

    # ------------------------------------------------------------------ sending
    def send(
        self,
        destinations: SupportsIndex | Iterable[SupportsIndex],
        size_bits: SupportsIndex,
        payload: Any = None,
        created: SupportsIndex | None = None,
    ) -> simpy.Event:
        """Send ``payload`` (``size_bits`` long) to one terminal or to several (multicast, by the
        network's scheme); return an event that fires with the payload once every destination
        has received it. Numbers may be any integers (Python's or numpy's)."""
        net = self.net
        if isinstance(destinations, Iterable):
            listed = [operator.index(d) for d in destinations]
        else:
            listed = [operator.index(destinations)]
        dests = tuple(dict.fromkeys(listed))  # each destination once, in the order given
        if not dests:
            raise ValueError(f"{self.path}: send needs at least one destination")
        bits = operator.index(size_bits)
        now = int(self.env.now) if created is None else operator.index(created)
        done = self.env.event()
        group = MulticastGroup(len(dests), done, now)
        flits = flit_count(bits, net.params.flit_width_bits)
        if len(dests) > 1 and net.multicast == "tree":
            self._queue_tree(dests, bits, flits, now, payload, group)
        elif len(dests) == 1 or net.multicast == "direct":
            for dest in dests:
                self._queue(dest, bits, flits, now, payload, group, None)
        else:
            chain = sorted({*dests, self.tid}, key=net.chain_key.__getitem__)
            self.relay(tuple(chain), bits, flits, now, payload, group)
            if self.tid in dests:  # its own copy goes through its router like any other
                self._queue(self.tid, bits, flits, now, payload, group, None)
        self.engine.wake_interface(self)
        return done

    def relay(
        self,
        chain: tuple[int, ...],
        size_bits: int,
        flits: int,
        now: int,
        payload: Any,
        group: MulticastGroup | None,
    ) -> None:
        """Queue this interface's U-mesh sends for ``chain`` (which contains it)."""
        for target, sub_chain in umesh_sends(self.tid, chain):
            self._queue(
                target,
                size_bits,
                flits,
                now,
                payload,
                group,
                sub_chain if len(sub_chain) > 1 else None,
            )
        self.engine.wake_interface(self)

    def _queue_tree(
        self,
        dests: tuple[int, ...],
        size_bits: int,
        flits: int,
        now: int,
        payload: Any,
        group: MulticastGroup,
    ) -> None:
        """Queue one ``tree`` multicast packet for ``dests``; it must fit in one VC buffer."""
        depth = self.net.params.vc_buffer_flits
        if flits > depth:
            raise ConfigError(
                f"{self.path}: a tree multicast packet must fit in one VC buffer "
                f"(vc_buffer_flits={depth}); {size_bits} bits make {flits} flits: send at most "
                f"{depth * self.net.params.flit_width_bits} bits per multicast, or use multicast "
                "'umesh' or 'direct'"
            )
        for dest in dests:
            if not 0 <= dest < len(self.net.interfaces):
                raise ValueError(
                    f"destination terminal {dest} out of range 0..{len(self.net.interfaces) - 1}"
                )
        packet = self.net.new_packet(self.tid, self.tid, size_bits, flits, now, payload)
        packet.dest = packet.dest_router = -1
        packet.dests = frozenset(dests)
        packet.pending = set(dests)
        packet.group = group
        self.queue.append(packet)

    def _queue(
        self,
        dest: int,
        size_bits: int,
        flits: int,
        now: int,
        payload: Any,
        group: MulticastGroup | None,
        relay: tuple[int, ...] | None,
    ) -> None:
        packet = self.net.new_packet(self.tid, dest, size_bits, flits, now, payload)
        packet.group = group
        packet.relay = relay
        self.queue.append(packet)

    def step(self, now: int) -> bool:
        """Inject at most one flit; return whether there is more to inject."""
        if self.packet is None:
            if not self.queue or not self._claim_vc():
                return False
            self.packet = self.queue.popleft()
            self.next_flit = 0
        vc = self.vc
        if self.credits[vc] <= 0:
            return False
        packet = self.packet
        flit = Flit(packet, self.next_flit)
        flit.vc = vc
        if flit.head:
            flit.targets = packet.dests
        credits = self.credits
        credits[vc] = credits[vc] - 1  # (not -=: mypyc would subtract generically)
        if flit.head:
            packet.injected = now
        self.next_flit += 1
        if flit.tail:
            self.packet = None
            if self.wait_tail:
                self.tail_pending[vc] = True
            else:
                self.vc_busy[vc] = False
        self.net.inject(self, flit, now)
        return self.packet is not None or bool(self.queue)

    def _claim_vc(self) -> bool:
        for offset in range(self.V):
            vc = (self.vc_rr + offset) % self.V
            if not self.vc_busy[vc] and self.credits[vc] > 0:
                self.vc_busy[vc] = True
                self.vc = vc
                self.vc_rr = (vc + 1) % self.V
                return True
        return False

    def receive_credit(self, vc: int, _unused: Any = None) -> None:
        """A credit returns from the router's injection port."""
        credits = self.credits
        credits[vc] = credits[vc] + 1  # (not +=: mypyc would add generically)
        if self.tail_pending[vc] and credits[vc] == self.depth:
            self.tail_pending[vc] = False
            self.vc_busy[vc] = False
        if self.packet is not None or self.queue:
            self.engine.wake_interface(self)

    # ------------------------------------------------------------------ receiving
    def receive_flit(self, _port: int, flit: Flit) -> None:
        """A flit leaves the network here; the tail completes its packet."""
        packet = flit.packet
        got = self.arrived.get(packet.pid, 0)
        if packet.dest != self.tid or flit.index != got or packet.received >= 0:
            if packet.pending is None or flit.index != got or self.tid not in packet.pending:
                raise InvariantError(
                    f"{self.path}: flit {flit!r} of packet {packet.pid} "
                    f"({packet.source}->{packet.dests or packet.dest})"
                    f" arrived out of order or twice, or not for this terminal"
                    f" (expected flit {got})"
                )
        if flit.tail:
            self.arrived.pop(packet.pid, None)
            if packet.pending is None:
                self.net.deliver(self, packet)
            else:
                self.net.deliver_copy(self, packet)
        else:
            self.arrived[packet.pid] = got + 1

    def open_inbox(self) -> None:
        """Keep every packet delivered from now on until `receive` claims it (idempotent).

        An agent opens its terminal's inbox when it is built, so a receiver that starts late loses
        nothing; synthetic traffic never opens one, and its deliveries are counted, not stored.
        """
        if self.inbox is None:
            self.inbox = simpy.Store(self.env)

    def receive(self) -> simpy.events.Event:
        """An event yielding the next packet delivered to this terminal (for agents); opens the
        inbox if no one did (see `open_inbox`)."""
        self.open_inbox()
        assert self.inbox is not None
        return self.inbox.get()

    def trace(self) -> str:
        return (
            f"{self.path}: {len(self.queue)} packets queued, "
            f"injecting {self.packet!r}, credits {self.credits}"
        )
