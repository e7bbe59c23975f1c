"""In-router replication of ``tree`` multicast packets (see `desim.noc.multicast`).

A multicast head is split, when it reaches the front of its input VC, into the branches of its
tree at this router (one per output port). Its packet then moves by three rules:

1. **Whole-packet reservation** (virtual cut-through on every branch): a branch takes an output VC
   only if the downstream buffer has room for the whole packet (credits >= flits), so once
   allocated a branch never waits for a credit. Multicast packets must fit in one VC buffer
   (checked at the send).
2. **All branches at once**: the head takes an output VC on every branch in the same cycle, or
   none (it retries when a VC or a credit frees), so a packet never holds one branch's channel
   while it waits for another's.
3. **Asynchronous replication, one buffer read per cycle**: each cycle the flit at the front of
   the input VC crosses the crossbar to every branch that still needs it and whose output port
   is free this cycle; it leaves the buffer, returning its credit upstream, once every branch has
   taken it. A branch that loses its output port catches up in a later cycle.

Deadlock freedom: by rules 1 and 2 a multicast packet waits only for output VCs requested from
the input channel it holds (a dependency of the unicast routing, from the input channel to a
channel of its route), or for the crossbar, which it wins within a bounded time; its branches
never wait on one another. Every wait is therefore an edge of the routing's channel dependency
graph, acyclic for dimension-order routing on a mesh (Dally and Seitz, IEEE Trans. Computers
C-36(5), 1987); without rules 1 and 2 sibling branches depend on each other and XY trees can
deadlock (Lin, McKinley and Ni, IEEE TPDS 5(8), 1994).

Arbitration: in each cycle multicast packets use the crossbar before unicast packets (oldest
fork first) and take output VCs before them; the ports they use are excluded from the unicast
switch allocation of that cycle.

Counting: a flit crossing the crossbar once to several outputs in one cycle is one router
traversal (``Router.replicas`` counts the extra outputs, which ``Router.sent`` counts per port);
the copies it makes are ``NetworkCounters.flits_replicated``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desim.noc.flit import Flit

if TYPE_CHECKING:
    from desim.noc.multicast import Branch
    from desim.noc.router import Router

__all__ = ["Fork", "route_fork", "allocate_forks", "replicate"]


class Fork:
    """The branches of the multicast packet at the front of one input VC, once allocated.

    Attributes
    ----------
    ovs : list of int
        The output VC of each branch.
    targets : list of frozenset of int
        The destination terminals each branch covers (given to its head copy).
    pending : int
        Bit mask of the branches the front flit has not yet been sent to.
    """

    def __init__(self, ovs: list[int], targets: list[frozenset[int]]) -> None:
        self.ovs = ovs
        self.targets = targets
        self.everyone = (1 << len(ovs)) - 1
        self.pending = self.everyone


def route_fork(router: Router, iv: int, flit: Flit, now: int) -> None:
    """Route multicast head ``flit`` at the front of input VC ``iv``: its branches here (computed
    once per set of targets and kept) wait for output VCs."""
    targets = flit.targets
    assert targets is not None
    branches = router.fork_routes.get(targets)
    if branches is None:
        tree = router.net.tree
        assert tree is not None
        branches = tree.branches(router.rid, targets)
        router.fork_routes[targets] = branches
    flit.ready = now + router.route_delay
    router.fork_wait[iv] = branches


def _free_vcs(router: Router, branches: list[Branch], flits: int) -> list[int]:
    """One free output VC per branch with room for ``flits`` downstream (the lowest such VC of
    the branch's range), or [] if some branch has none."""
    ovs: list[int] = []
    for port, first, last, _ in branches:
        ov = _free_vc(router, port * router.V, first, last, flits)
        if ov < 0:
            return []
        ovs.append(ov)
    return ovs


def _free_vc(router: Router, base: int, first: int, last: int, flits: int) -> int:
    busy, credits = router.busy, router.credits
    for ov in range(base + first, base + last + 1):
        if not (busy >> ov) & 1 and credits[ov] >= flits:
            return ov
    return -1


def allocate_forks(router: Router, now: int) -> bool:
    """VC allocation of the multicast heads ready in cycle ``now``, each taking an output VC on
    every branch or none (rule 2); return whether the router must run next cycle."""
    allocated: list[tuple[int, list[int]]] = []
    pending = False
    buf = router.buf
    for iv, branches in router.fork_wait.items():
        head = buf[iv][0]
        if head.ready > now:
            pending = True
            continue
        ovs = _free_vcs(router, branches, head.packet.flits)
        if ovs:
            for ov in ovs:
                router.busy |= 1 << ov
            allocated.append((iv, ovs))
    for iv, ovs in allocated:
        branches = router.fork_wait.pop(iv)
        router.forks[iv] = Fork(ovs, [branch[3] for branch in branches])
        buf[iv][0].ready = now + router.va_delay
    return pending or bool(allocated)


def replicate(router: Router, now: int) -> bool:
    """Switch traversal of the multicast flits in cycle ``now`` (rule 3), before the unicast
    switch allocation, which then leaves out the ports used (``router.claimed_in`` and
    ``claimed_out``); return whether the router must run next cycle."""
    awake = False
    claimed_in = claimed_out = 0
    finished: list[int] = []
    V = router.V
    for iv, fork in router.forks.items():
        queue = router.buf[iv]
        if not queue:
            continue
        flit = queue[0]
        in_port = iv // V
        if flit.ready > now or (claimed_in >> in_port) & 1:
            awake = True
            continue
        used = _cross(router, fork, flit, now, claimed_out)
        if used:
            claimed_in |= 1 << in_port
            claimed_out |= used
        if fork.pending:
            awake = True  # a branch lost its output port: it takes the flit in a later cycle
            continue
        _leave(router, iv, in_port, now)
        fork.pending = fork.everyone
        if flit.tail:
            finished.append(iv)
            awake = awake or bool(router.va_wait) or bool(router.fork_wait)
        else:
            awake = awake or bool(queue)
    router.claimed_in, router.claimed_out = claimed_in, claimed_out
    for iv in finished:
        del router.forks[iv]
        queue = router.buf[iv]
        if queue:  # the next packet's head waits behind the tail in the same VC
            router._route_head(iv, queue[0], now + 1)
            awake = True
    return awake


def _cross(router: Router, fork: Fork, flit: Flit, now: int, claimed_out: int) -> int:
    """Send ``flit`` to every branch still waiting for it whose output port is free; return the
    bit mask of the output ports used."""
    V = router.V
    used = 0
    sends = 0
    for branch, ov in enumerate(fork.ovs):
        bit = 1 << branch
        out_port = ov // V
        if not fork.pending & bit or (claimed_out >> out_port) & 1:
            continue
        fork.pending &= ~bit
        used |= 1 << out_port
        sends += 1
        copy = flit if not fork.pending else _replica(router, flit)
        if copy.head:
            copy.targets = fork.targets[branch]
        _send(router, copy, ov, out_port, now)
    if sends:
        router.replicas += sends - 1
        router.counters.last_move = now
    return used


def _replica(router: Router, flit: Flit) -> Flit:
    """A copy of ``flit`` for one more branch (the last branch takes ``flit`` itself)."""
    counters = router.counters
    counters.flits_replicated += 1
    counters.flits_in_network += 1
    return Flit(flit.packet, flit.index)


def _send(router: Router, flit: Flit, ov: int, out_port: int, now: int) -> None:
    """``flit`` takes output VC ``ov``; the tail releases it."""
    if out_port < router.net_ports:  # (an ejection VC's credits are unlimited)
        router.credits[ov] -= 1
    router.sent[out_port] += 1
    flit.vc = ov - out_port * router.V
    handler, far_port, delay = router.downstream[out_port]
    router.engine.post(now + delay, handler, far_port, flit)
    if flit.tail:
        if router.wait_tail and out_port < router.net_ports:
            router.ov_tail_sent[ov] = True
        else:
            router.busy &= ~(1 << ov)


def _leave(router: Router, iv: int, in_port: int, now: int) -> None:
    """The front flit of input VC ``iv`` has reached every branch: it leaves the buffer and its
    credit goes upstream."""
    router.buf[iv].pop(0)
    handler, base, delay = router.upstream[in_port]
    router.engine.post(now + delay, handler, base + iv - in_port * router.V, None)
