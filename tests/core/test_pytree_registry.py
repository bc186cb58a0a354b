"""`tree_util.default_registry` (the registry as an object) and `tree.static` (static
dataclass fields), checked against the module-level pytree functions and hand-built trees."""

import dataclasses

import pytest

import numax
from numax import tree_util
from numax.tree_util import DictKey, SequenceKey

registry = tree_util.default_registry


def test_flatten_matches_the_module_functions():
    tree = {"b": (2, 3), "a": [1, None]}
    leaves, treedef = registry.flatten(tree)
    assert leaves == [1, 2, 3]
    assert treedef == tree_util.tree_structure(tree)
    assert registry.flatten([1, (2, 3)], lambda x: isinstance(x, tuple))[0] == [1, (2, 3)]


def test_flatten_with_path_passes_the_path_to_the_predicate():
    seen = []

    def predicate(path, x):
        seen.append(path)
        return isinstance(x, tuple)

    pairs, _ = registry.flatten_with_path([1, (2, 3)], predicate)
    assert pairs == [((SequenceKey(0),), 1), ((SequenceKey(1),), (2, 3))]
    assert seen == [(), (SequenceKey(0),), (SequenceKey(1),)]


def test_flatten_one_level_returns_none_for_leaves():
    assert registry.flatten_one_level(3) is None
    assert registry.flatten_one_level_with_keys(3) is None
    children, aux = registry.flatten_one_level({"a": 1, "b": 2})
    assert list(children) == [1, 2] and tuple(aux) == ("a", "b")
    keyed, _ = registry.flatten_one_level_with_keys({"a": 1})
    assert list(keyed) == [(DictKey("a"), 1)]


def test_register_node_and_is_node():
    class Pair:
        def __init__(self, x, y):
            self.x, self.y = x, y

    assert not registry.is_node(Pair)
    registry.register_node(Pair, lambda p: ((p.x, p.y), None), lambda _, ch: Pair(*ch))
    assert registry.is_node(Pair) and registry.is_node(tuple) and not registry.is_node(int)
    doubled = numax.tree.map(lambda v: 2 * v, Pair(1, 2))
    assert (doubled.x, doubled.y) == (2, 4)


def test_register_dataclass_node():
    @dataclasses.dataclass
    class Scaled:
        value: float
        name: str

    registry.register_dataclass_node(Scaled, ["value"], ["name"])
    leaves, treedef = numax.tree.flatten(Scaled(1.5, "w"))
    assert leaves == [1.5]
    assert numax.tree.unflatten(treedef, [4.0]) == Scaled(4.0, "w")


def test_static_fields_go_to_the_treedef():
    @tree_util.register_dataclass
    @dataclasses.dataclass
    class Op:
        x: float
        y: float
        op: str = numax.tree.static(default="add")
        tag: str = numax.tree.static(default="t", metadata={"doc": "kept"})

    m = Op(1.0, 2.0)
    leaves, treedef = numax.tree.flatten(m)
    assert leaves == [1.0, 2.0]
    assert numax.tree.unflatten(treedef, [3.0, 4.0]) == Op(3.0, 4.0, "add", "t")
    fields = {f.name: f for f in dataclasses.fields(Op)}
    assert fields["tag"].metadata == {"doc": "kept", "static": True}
    assert numax.tree.structure(Op(1.0, 2.0, "mul")) != treedef


def test_static_rejects_unknown_field_options():
    with pytest.raises(TypeError):
        numax.tree.static(not_an_option=1)
