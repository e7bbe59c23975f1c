"""VCD tracing: round trip through an independent parser, and the header GTKWave needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desim.kernel import Channel, ConfigError, ElaborationError, Module, Signal, Simulator


@dataclass
class Vcd:
    """What a VCD file says: declarations and, per identifier, the (time, value) changes."""

    timescale: str = ""
    vars: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # code -> (scope, w, name)
    changes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    times: list[int] = field(default_factory=list)


def parse_vcd(text: str) -> Vcd:
    """A small VCD reader, written against IEEE 1364 section 18, not against the writer."""
    vcd = Vcd()
    tokens = text.split()
    scopes: list[str] = []
    i = 0
    while tokens[i] != "$enddefinitions":
        keyword = tokens[i]
        end = tokens.index("$end", i)
        body = tokens[i + 1 : end]
        if keyword == "$timescale":
            vcd.timescale = " ".join(body)
        elif keyword == "$scope":
            assert body[0] == "module", body
            scopes.append(body[1])
        elif keyword == "$upscope":
            scopes.pop()
        elif keyword == "$var":
            kind, width, code, name = body
            assert kind == "wire" and scopes, (body, scopes)
            assert code not in vcd.vars
            vcd.vars[code] = (".".join(scopes), int(width), name)
        i = end + 1
    assert scopes == [], "unbalanced $scope/$upscope"
    time = -1
    vector: int | None = None  # a vector value waiting for its identifier (which may be '#')
    for token in tokens[tokens.index("$end", i) + 1 :]:
        if vector is not None:
            vcd.changes.setdefault(token, []).append((time, vector))
            vector = None
        elif token.startswith("#"):
            assert int(token[1:]) > time, "timestamps must increase"
            time = int(token[1:])
            vcd.times.append(time)
        elif token in ("$dumpvars", "$end"):
            continue
        elif token[0] in "01":
            vcd.changes.setdefault(token[1:], []).append((time, int(token[0])))
        else:
            assert token[0] == "b", token
            vector = int(token[1:], 2)
    assert vector is None
    return vcd


def build(tmp_path: Path):
    sim = Simulator()
    top = Module("top", sim)
    pe = Module("pe0", top)
    valid = Signal("valid", pe, init=False)
    count = Signal("count", top, init=0)
    link: Channel[int] = Channel("link", top, capacity=4, latency_cycles=2)

    def stimulus():
        for cycle, (v, c) in enumerate([(True, 3), (True, 3), (False, 12), (False, 12)], start=1):
            yield sim.env.timeout(1)
            valid.write(v)
            count.write(c)
            yield link.put(cycle)
        yield sim.env.timeout(4)
        for _ in range(4):
            yield link.get()

    sim.process(stimulus())
    path = tmp_path / "wave.vcd"
    vcd = sim.trace_vcd(path, timescale="10 ps")
    codes = {
        "valid": vcd.add(valid),
        "count": vcd.add(count, width=8),
        "level": vcd.add(lambda: link.level, "top.link.level", width=3),
    }
    return sim, vcd, path, codes


def test_round_trip_through_an_independent_parser(tmp_path: Path) -> None:
    sim, vcd, path, codes = build(tmp_path)
    sim.run()
    vcd.close()
    parsed = parse_vcd(path.read_text())
    assert parsed.timescale == "10 ps"
    assert parsed.vars == {
        codes["valid"]: ("top.pe0", 1, "valid"),
        codes["count"]: ("top", 8, "count"),
        codes["level"]: ("top.link", 3, "level"),
    }
    assert parsed.changes[codes["valid"]] == [(0, 0), (1, 1), (3, 0)]
    assert parsed.changes[codes["count"]] == [(0, 0), (1, 3), (3, 12)]
    # sampled at the end of each timestep with activity, written only when it changed
    assert parsed.changes[codes["level"]] == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (8, 0)]
    assert parsed.times[-1] == sim.now == 8


def test_header_layout_for_gtkwave(tmp_path: Path) -> None:
    sim, vcd, path, _ = build(tmp_path)
    sim.run(until=2)
    vcd.close()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("$version desim ") and lines[1] == "$timescale 10 ps $end"
    declarations = lines[2 : lines.index("$enddefinitions $end")]
    assert declarations == [
        "$scope module top $end",
        '$var wire 8 " count $end',
        "$scope module link $end",
        "$var wire 3 # level $end",
        "$upscope $end",
        "$scope module pe0 $end",
        "$var wire 1 ! valid $end",
        "$upscope $end",
        "$upscope $end",
    ]
    body = lines[lines.index("$enddefinitions $end") + 1 :]
    assert body == [
        "#0",
        "$dumpvars",
        "0!",
        'b0 "',
        "b0 #",
        "$end",
        "#1",
        "1!",
        'b11 "',
        "b1 #",
        "#2",
    ]


def test_values_are_checked(tmp_path: Path) -> None:
    sim = Simulator()
    narrow = Signal("narrow", sim, init=0)
    with sim.trace_vcd(tmp_path / "bad.vcd") as vcd:
        vcd.add(narrow, width=2)
        vcd.add(lambda: -1, "signed", width=4)
        sim.run()
        narrow.write(4)
        with pytest.raises(ConfigError, match="'narrow' = 4 does not fit in 2 bits"):
            sim.run()
    assert "b1111 " in (tmp_path / "bad.vcd").read_text()  # -1 in two's complement


def test_misuse_is_named(tmp_path: Path) -> None:
    sim = Simulator()
    sig = Signal("sig", sim, init=0)
    with pytest.raises(ConfigError, match="timescale '3 ns' is not allowed"):
        sim.trace_vcd(tmp_path / "x.vcd", timescale="3 ns")
    with sim.trace_vcd(tmp_path / "y.vcd") as vcd:
        with pytest.raises(ConfigError, match="callable given a name"):
            vcd.add(lambda: 0)
        vcd.add(sig)
        with pytest.raises(ElaborationError, match="'sig' is already traced"):
            vcd.add(sig)
        sim.run()
        with pytest.raises(ElaborationError, match="header is already written"):
            vcd.add(lambda: 0, "late")
    sig.write(1)
    sim.run()  # a closed writer ignores later changes
