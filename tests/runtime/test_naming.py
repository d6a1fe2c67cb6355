"""Argo's names: FNV-1a ids, pod names, display names, loop names (spec §3, §7)."""

from __future__ import annotations

from plait.runtime.naming import (
    display_name,
    fnv32a,
    item_description,
    item_values,
    loop_name,
    node_id,
    pod_name,
)


def test_fnv32a_known_values():
    # FNV-1a 32: offset basis for "", and "a" = (2166136261 ^ 0x61) * 16777619 mod 2^32
    assert fnv32a("") == 2166136261
    assert fnv32a("a") == ((2166136261 ^ 0x61) * 16777619) % 2**32 == 0xE40C292C
    assert fnv32a("foobar") == 0xBF9CF968       # the FNV reference test vector
    # spec §18.1's example pod `steps-z2zdn-27420706` is node `steps-z2zdn[0].hello1`
    assert fnv32a("steps-z2zdn[0].hello1") == 27420706


def test_node_ids_and_pod_names():
    assert node_id("wf", "wf") == "wf"
    assert node_id("wf", "wf[0].a") == f"wf-{fnv32a('wf[0].a')}"
    assert pod_name("wf", "whalesay", "wf") == "wf"
    assert pod_name("wf", "whalesay", "wf[0].a") == f"wf-whalesay-{fnv32a('wf[0].a')}"
    # an inline template has no name: Argo's pod is then the node's id, a valid Pod name
    assert pod_name("wf", "main/a:inline", "wf.a") == node_id("wf", "wf.a")
    long = pod_name("w" * 200, "t" * 100, "x")
    assert len(long) <= 253 and long.endswith(f"-{fnv32a('x')}")


def test_display_names_follow_the_boundary():
    assert display_name("wf", None) == "wf"
    assert display_name("wf[0]", "wf") == "[0]"
    assert display_name("wf[0].hello", "wf") == "hello"
    assert display_name("wf[0].print(0:a.b)", "wf") == "print(0:a.b)"
    assert display_name("wf.A", "wf") == "A"
    assert display_name("wf[0].sub[1].x", "wf[0].sub") == "x"
    assert display_name("wf[0].work.onExit", "wf") == "work.onExit"
    assert display_name("wf.onExit", None) == "wf.onExit"


def test_loop_names():
    assert loop_name("s", 0, "apple") == "s(0:apple)"
    assert loop_name("s", 1, {"os": "debian", "v": 12}) == "s(1:os:debian,v:12)"
    assert loop_name("s", 2, [1, "b"]) == "s(2:[1 b])"
    assert loop_name("s", 3, True) == "s(3:true)"
    assert item_description("f(x)") == "fx"
    assert item_values({"a": 1, "b": {"c": "d"}}) == {
        "item": '{"a":1,"b":{"c":"d"}}', "item.a": "1", "item.b": '{"c":"d"}'}
