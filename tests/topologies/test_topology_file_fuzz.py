"""Property test: any topology file, GraphML or edge list, well formed or not, either loads and
runs a short ``desim noc`` simulation or ends with one line on stderr and exit status 2: never a
traceback, never a hang.

The files are drawn around the valid ones: node names, latencies and terminal counts a user
mistypes (zero, negative, fractional, words, huge), self-loops, repeated links, directed or
multigraph GraphML, attributes of the wrong type, edges to undeclared nodes, a byte-order mark,
and files cut short at any byte. Every run is short (3 sample periods of 40 cycles), so the whole
file stays well within a minute.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from desim.cli import main

SECONDS_PER_FILE = 20.0
QUICK = ["--sample-period", "40", "--warmup-periods", "1", "--max-samples", "3", "--json"]
NAMES = ["a", "b", "c", "d", "0", "1", "2", "10", "-1", "é", "x" * 40]
NUMBERS = ["1", "2", "3", "0", "-3", "1.5", "x", "", "1e3", "100000", "true", "(1, 2)"]

EDGE_LINE = st.one_of(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).map(" ".join),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(NUMBERS)).map(
        " ".join
    ),
    st.sampled_from(NAMES),  # a lone router
    st.sampled_from(["# a comment", "", "   ", "a b c d", "a\tb", "a b # trailing comment"]),
)
EDGE_LIST = st.lists(EDGE_LINE, max_size=8).map(lambda lines: "\n".join(lines) + "\n")

ATTR_TYPE = st.sampled_from(["int", "long", "string", "double", "boolean"])
NODE = st.tuples(st.sampled_from(NAMES[:6]), st.none() | st.sampled_from(NUMBERS))
EDGE = st.tuples(
    st.sampled_from(NAMES[:7]), st.sampled_from(NAMES[:7]), st.none() | st.sampled_from(NUMBERS)
)


@st.composite
def graphml(draw: st.DrawFn) -> str:
    """A GraphML document: declared nodes (with ``terminals`` or not), edges (with
    ``latency_cycles`` or not, between declared nodes or not), undirected or directed."""
    nodes = draw(st.lists(NODE, max_size=6, unique_by=lambda n: n[0]))
    edges = draw(st.lists(EDGE, max_size=8))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        f'<key id="t" for="node" attr.name="terminals" attr.type="{draw(ATTR_TYPE)}"/>',
        f'<key id="l" for="edge" attr.name="latency_cycles" attr.type="{draw(ATTR_TYPE)}"/>',
        f'<graph edgedefault="{draw(st.sampled_from(["undirected", "directed"]))}">',
    ]
    for name, terminals in nodes:
        data = "" if terminals is None else f'<data key="t">{terminals}</data>'
        lines.append(f'<node id="{name}">{data}</node>')
    for u, v, latency in edges:
        data = "" if latency is None else f'<data key="l">{latency}</data>'
        lines.append(f'<edge source="{u}" target="{v}">{data}</edge>')
    lines += ["</graph>", "</graphml>"]
    return "\n".join(lines) + "\n"


@st.composite
def topology_file(draw: st.DrawFn) -> bytes:
    """A file's bytes: an edge list, GraphML, or free text, maybe with a byte-order mark, maybe
    cut short."""
    text = draw(st.one_of(EDGE_LIST, graphml(), st.text(max_size=40)))
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data += draw(st.binary(min_size=1, max_size=8))  # not UTF-8, maybe
    return data


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(topology_file(), st.sampled_from(["0.05", "0.3"]))
def test_any_topology_file_runs_or_is_one_line_and_exit_2(
    tmp_path: Path, capsys, data: bytes, rate: str
) -> None:
    path = tmp_path / "net.topo"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        status = main(["noc", "--topology-file", str(path), "--injection-rate", rate, *QUICK])
    except SystemExit as exc:  # argparse's own exits
        status = exc.code
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert status in (0, 2), (data, err)
    event(f"exit status {status}")
    if status == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (data, err)
    else:
        assert out.startswith("{") and not err, (data, err)
    assert elapsed < SECONDS_PER_FILE, (data, elapsed)


def test_the_generator_reaches_both_outcomes(tmp_path: Path, capsys) -> None:
    # the property above is not vacuous: valid files of each format run, malformed ones do not
    path = tmp_path / "net.topo"
    for text, expected in [
        ("a b\nb c 2\n", 0),
        (
            '<graphml><graph edgedefault="undirected"><node id="a"/><node id="b"/>'
            '<edge source="a" target="b"/></graph></graphml>',
            0,
        ),
        ("a a\n", 2),
        ('<graphml><graph edgedefault="directed"><node id="a"/></graph></graphml>', 2),
    ]:
        path.write_text(text)
        assert main(["noc", "--topology-file", str(path), *QUICK]) == expected, text
        capsys.readouterr()
