"""Tests for numax.core.pytree (via numax.tree_util / numax.tree): flattening order, the
builtin node types, registration, key paths, PyTreeDef behaviour, errors, and round-trip
properties against an independent reference flattener written in this file."""

import collections
import dataclasses
import functools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax.tree as jt
import numax.tree_util as tu
from numax.tree_util import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey

Point = collections.namedtuple("Point", ["x", "y"])
Triple = collections.namedtuple("Triple", "a b c")


@tu.register_pytree_node_class
class Box:
    """A custom node: children (lo, hi), aux data `name`."""

    def __init__(self, lo, hi, name="box"):
        self.lo, self.hi, self.name = lo, hi, name

    def tree_flatten(self):
        return (self.lo, self.hi), self.name

    @classmethod
    def tree_unflatten(cls, name, children):
        return cls(*children, name=name)

    def __eq__(self, other):
        return type(other) is Box and (self.lo, self.hi, self.name) == (other.lo, other.hi, other.name)

    def __repr__(self):
        return f"Box({self.lo!r}, {self.hi!r}, {self.name!r})"


@tu.register_pytree_with_keys_class
class Keyed:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def tree_flatten_with_keys(self):
        return ((GetAttrKey("a"), self.a), (GetAttrKey("b"), self.b)), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


@tu.register_dataclass
@dataclasses.dataclass
class Params:
    w: object
    b: object
    act: str = dataclasses.field(default="relu", metadata=dict(static=True))


@tu.register_static
@dataclasses.dataclass(frozen=True)
class Config:
    depth: int


class Opaque:
    """An unregistered class: a leaf."""


# ----------------------------------------------------------------------------- reference

def ref_leaves(x):
    """Independent reference: leaves in JAX's order, written from the documented rules."""
    if x is None:
        return []
    if type(x) in (tuple, list) or (isinstance(x, tuple) and hasattr(x, "_fields")):
        return [leaf for c in x for leaf in ref_leaves(c)]
    if type(x) in (dict, collections.defaultdict):
        return [leaf for k in sorted(x) for leaf in ref_leaves(x[k])]
    if type(x) is collections.OrderedDict:
        return [leaf for k in x for leaf in ref_leaves(x[k])]
    if type(x) is Box:
        return ref_leaves(x.lo) + ref_leaves(x.hi)
    if type(x) is Params:
        return ref_leaves(x.w) + ref_leaves(x.b)
    if type(x) is Config:
        return []
    return [x]


def ref_shape(x):
    """Independent reference structure signature: equal iff treedefs must be equal."""
    if x is None:
        return ("None",)
    if type(x) in (tuple, list) or (isinstance(x, tuple) and hasattr(x, "_fields")):
        return (type(x), tuple(ref_shape(c) for c in x))
    if type(x) is dict:
        return (dict, tuple((k, ref_shape(x[k])) for k in sorted(x)))
    if type(x) is collections.defaultdict:
        return (type(x), x.default_factory, tuple((k, ref_shape(x[k])) for k in sorted(x)))
    if type(x) is collections.OrderedDict:
        return (type(x), tuple((k, ref_shape(v)) for k, v in x.items()))
    if type(x) is Box:
        return (Box, x.name, ref_shape(x.lo), ref_shape(x.hi))
    if type(x) is Params:
        return (Params, x.act, ref_shape(x.w), ref_shape(x.b))
    if type(x) is Config:
        return (Config, x)
    return "*"


def ref_nodes(x):
    """Number of nodes (leaves included) by the reference rules."""
    if ref_shape(x) == "*":
        return 1
    if type(x) is Box:
        return 1 + ref_nodes(x.lo) + ref_nodes(x.hi)
    if type(x) is Params:
        return 1 + ref_nodes(x.w) + ref_nodes(x.b)
    if x is None or type(x) is Config:
        return 1
    values = x.values() if isinstance(x, dict) else x
    return 1 + sum(ref_nodes(c) for c in values)


def same(a, b):
    """Exact equality: same types all the way down (OrderedDict == dict won't do), same
    OrderedDict order (plain dicts are rebuilt in sorted key order), leaves equal."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if type(a) is collections.defaultdict and a.default_factory is not b.default_factory:
            return False
        if type(a) is collections.OrderedDict and list(a) != list(b):
            return False
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is Box:
        return a.name == b.name and same(a.lo, b.lo) and same(a.hi, b.hi)
    if type(a) is Params:
        return a.act == b.act and same(a.w, b.w) and same(a.b, b.b)
    return a is b or a == b


def get_path(tree, path):
    """Follow a key path by hand (independent of the library's flattening)."""
    for key in path:
        if isinstance(key, SequenceKey):
            tree = tree[key.idx]
        elif isinstance(key, DictKey):
            tree = tree[key.key]
        elif isinstance(key, GetAttrKey):
            tree = getattr(tree, key.name)
        elif isinstance(key, FlattenedIndexKey):
            tree = (tree.lo, tree.hi)[key.key]
        else:
            raise AssertionError(key)
    return tree


# ----------------------------------------------------------------------------- strategies

_KEYS = st.sampled_from(["a", "b", "c", "w", "layer0", "layer10", "z"])
_LEAVES = st.one_of(
    st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=2), st.booleans(),
    st.builds(Opaque), st.builds(lambda: np.arange(3.0)))


def _nodes(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(_KEYS, children, max_size=4),
        st.dictionaries(_KEYS, children, max_size=4).map(collections.OrderedDict),
        st.dictionaries(_KEYS, children, max_size=3).map(
            lambda d: collections.defaultdict(list, d)),
        st.builds(Point, children, children),
        st.builds(Box, children, children, st.sampled_from(["p", "q"])),
        st.builds(Params, children, children, st.sampled_from(["relu", "tanh"])),
        st.builds(Config, st.integers(0, 2)),
        st.none(),
    )


trees = st.recursive(st.one_of(_LEAVES, st.none()), _nodes, max_leaves=25)


# ----------------------------------------------------------------------------- properties

@settings(max_examples=300, deadline=None)
@given(trees)
def test_flatten_matches_reference_and_round_trips(tree):
    leaves, treedef = tu.tree_flatten(tree)
    expected = ref_leaves(tree)
    assert len(leaves) == len(expected) and all(a is b for a, b in zip(leaves, expected))
    assert all(a is b for a, b in zip(tu.tree_leaves(tree), expected))
    assert treedef.num_leaves == len(expected)
    assert treedef.num_nodes == ref_nodes(tree)
    assert same(tu.tree_unflatten(treedef, leaves), tree)
    assert same(treedef.unflatten(iter(leaves)), tree)  # second build: compiled builder
    assert same(treedef.unflatten(tuple(leaves)), tree)


@settings(max_examples=200, deadline=None)
@given(trees, trees)
def test_treedef_equality_and_hash_follow_structure(t1, t2):
    d1, d2 = tu.tree_structure(t1), tu.tree_structure(t2)
    assert (d1 == d2) == (ref_shape(t1) == ref_shape(t2))
    assert d1 == tu.tree_structure(t1)
    if d1 == d2:
        assert hash(d1) == hash(d2)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_paths_lead_to_leaves(tree):
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert treedef == tu.tree_structure(tree)
    expected = ref_leaves(tree)
    assert len(pairs) == len(expected) and all(a is b for (_, a), b in zip(pairs, expected))
    for path, leaf in pairs:
        assert get_path(tree, path) is leaf


@settings(max_examples=150, deadline=None)
@given(trees)
def test_tree_map_and_children_and_pickle(tree):
    expected = ref_leaves(tree)
    mapped = tu.tree_map(lambda x: ("seen", x), tree)
    assert tu.tree_leaves(mapped) == [item for x in expected for item in ("seen", x)]
    assert same(tu.tree_map(lambda x, y: y[1], tree, mapped), tree)  # mapped has subtrees there
    treedef = tu.tree_structure(tree)
    up_to = treedef.flatten_up_to(tree)
    assert len(up_to) == len(expected) and all(a is b for a, b in zip(up_to, expected))
    # Rebuilding from (node_data, children) gives back the same treedef.
    rebuilt = tu.PyTreeDef.make_from_node_data_and_children(
        None, treedef.node_data(), treedef.children())
    assert rebuilt == treedef
    if not tu.treedef_is_leaf(treedef):
        assert sum(c.num_leaves for c in treedef.children()) == treedef.num_leaves
    assert pickle.loads(pickle.dumps(treedef)) == treedef


@settings(max_examples=100, deadline=None)
@given(trees, trees)
def test_compose_and_transpose(outer, inner):
    outer_def, inner_def = tu.tree_structure(outer), tu.tree_structure(inner)
    nested = tu.tree_map(lambda _: inner, outer)
    assert tu.tree_structure(nested) == outer_def.compose(inner_def)
    transposed = tu.tree_transpose(outer_def, inner_def, nested)
    assert tu.tree_structure(transposed) == inner_def.compose(outer_def)


# ----------------------------------------------------------------------------- builtins

def test_none_is_an_empty_node():
    assert tu.tree_leaves([None, 1]) == [1]
    assert tu.tree_map(lambda x: x + 1, None) is None
    assert tu.tree_map(lambda x: x + 1, [None, 1, (None,)]) == [None, 2, (None,)]
    leaves, treedef = tu.tree_flatten(None)
    assert leaves == [] and treedef.num_leaves == 0 and treedef.num_nodes == 1
    assert repr(treedef) == "PyTreeDef(None)"
    assert not tu.treedef_is_leaf(treedef)


def test_is_leaf_stops_descent_and_applies_to_none():
    tree = {"a": None, "b": (1, [2, 3])}
    assert tu.tree_leaves(tree, is_leaf=lambda x: x is None) == [None, 1, 2, 3]
    assert tu.tree_leaves(tree, is_leaf=lambda x: isinstance(x, list)) == [1, [2, 3]]
    assert tu.tree_leaves(tree, is_leaf=lambda x: True) == [tree]
    out = tu.tree_map(lambda x: 0 if x is None else x, tree, is_leaf=lambda x: x is None)
    assert out == {"a": 0, "b": (1, [2, 3])}
    assert tu.tree_structure([None], is_leaf=lambda x: x is None) == tu.tree_structure([0])


def test_dict_children_in_sorted_key_order_and_rebuilt_sorted():
    leaves, treedef = tu.tree_flatten({"b": 2, "a": 1, "c": {"z": 4, "y": 3}})
    assert leaves == [1, 2, 3, 4]
    rebuilt = treedef.unflatten([10, 20, 30, 40])
    assert rebuilt == {"a": 10, "b": 20, "c": {"y": 30, "z": 40}}
    assert list(rebuilt) == ["a", "b", "c"] and list(rebuilt["c"]) == ["y", "z"]
    assert tu.tree_structure({"a": 1, "b": 2}) == tu.tree_structure({"b": 2, "a": 1})
    assert tu.tree_structure({1: 0, 2: 0}) == tu.tree_structure({2: 0, 1: 0})


def test_dict_with_unsortable_keys_is_an_error():
    for flatten in (tu.tree_flatten, tu.tree_leaves, tu.tree_flatten_with_path,
                    functools.partial(tu.tree_leaves, is_leaf=lambda x: False)):
        with pytest.raises(ValueError, match="sortable"):
            flatten({1: "one", "a": "A"})
    # An OrderedDict is fine: it flattens in insertion order.
    assert tu.tree_leaves(collections.OrderedDict([(1, "one"), ("a", "A")])) == ["one", "A"]


def test_ordered_dict_and_defaultdict():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, treedef = tu.tree_flatten(od)
    assert leaves == [1, 2]
    back = treedef.unflatten([3, 4])
    assert type(back) is collections.OrderedDict and list(back.items()) == [("b", 3), ("a", 4)]
    assert tu.tree_structure(od) != tu.tree_structure(collections.OrderedDict(a=2, b=1))
    assert tu.tree_structure(od) != tu.tree_structure({"b": 1, "a": 2})
    assert [str(p[0]) for p, _ in tu.tree_flatten_with_path(od)[0]] == ["['b']", "['a']"]

    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, treedef = tu.tree_flatten(dd)
    assert leaves == [2, 1]
    back = treedef.unflatten([5, 6])
    assert type(back) is collections.defaultdict and back.default_factory is list
    assert dict(back) == {"a": 5, "b": 6}
    assert treedef != tu.tree_structure(collections.defaultdict(dict, {"b": 1, "a": 2}))


def test_namedtuple_is_a_node_of_its_own_type():
    leaves, treedef = tu.tree_flatten(Point(1, (2, 3)))
    assert leaves == [1, 2, 3]
    back = treedef.unflatten([4, 5, 6])
    assert type(back) is Point and back == Point(4, (5, 6))
    assert treedef != tu.tree_structure((1, (2, 3)))
    Other = collections.namedtuple("Other", ["x", "y"])
    assert tu.tree_structure(Point(1, 2)) != tu.tree_structure(Other(1, 2))
    assert [p for p, _ in tu.tree_flatten_with_path(Point(1, 2))[0]] == [
        (GetAttrKey("x"),), (GetAttrKey("y"),)]


def test_subclasses_of_containers_are_leaves_unless_registered():
    class MyList(list):
        pass

    class MyDict(dict):
        pass

    assert tu.tree_leaves(MyList([1, 2])) == [MyList([1, 2])]
    assert tu.tree_leaves([MyDict(a=1)]) == [{"a": 1}]
    assert tu.treedef_is_leaf(tu.tree_structure(MyList()))
    for leaf in (1, 1.5, "s", b"b", 1j, True, np.float32(1), np.zeros(2), Opaque(), int):
        leaves, treedef = tu.tree_flatten(leaf)
        assert leaves[0] is leaf and len(leaves) == 1
        assert tu.treedef_is_leaf(treedef) and repr(treedef) == "PyTreeDef(*)"


def test_empty_containers():
    for tree in ((), [], {}, [(), {}], collections.OrderedDict()):
        leaves, treedef = tu.tree_flatten(tree)
        assert leaves == []
        assert same(treedef.unflatten([]), tree)
        assert same(treedef.unflatten([]), tree)  # compiled builder too


def test_tuple_list_distinct_and_arity_matters():
    assert tu.tree_structure((1, 2)) != tu.tree_structure([1, 2])
    assert tu.tree_structure((1, 2)) != tu.tree_structure((1, 2, 3))
    assert tu.tree_structure((1, (2,))) != tu.tree_structure(((1,), 2))
    assert tu.tree_structure((1, None)) != tu.tree_structure((1, 2))
    assert tu.tree_structure([1.0, "a"]) == tu.tree_structure([np.zeros(3), Opaque()])


# ----------------------------------------------------------------------------- repr

@pytest.mark.parametrize("tree, text", [
    (1, "*"),
    ((), "()"),
    ((1,), "(*,)"),
    ([1, (2, 3)], "[*, (*, *)]"),
    ({"b": (1, 2), "a": 3}, "{'a': *, 'b': (*, *)}"),
    ({"a": None, "b": []}, "{'a': None, 'b': []}"),
    (Point(1, 2), "CustomNode(namedtuple[Point], [*, *])"),
    (Box(1, 2, "n"), "CustomNode(Box['n'], [*, *])"),
    (collections.OrderedDict(b=1, a=2), "OrderedDict({'b': *, 'a': *})"),
])
def test_repr(tree, text):
    assert repr(tu.tree_structure(tree)) == f"PyTreeDef({text})"
    assert str(tu.tree_structure(tree)) == f"PyTreeDef({text})"


# ----------------------------------------------------------------------------- PyTreeDef

def test_treedef_queries():
    treedef = tu.tree_structure({"a": 1, "b": (2, 3), "c": None})
    assert treedef.num_leaves == 3 and treedef.num_nodes == 6
    assert [repr(c) for c in treedef.children()] == ["PyTreeDef(*)", "PyTreeDef((*, *))", "PyTreeDef(None)"]
    assert tu.treedef_children(treedef) == treedef.children()
    assert treedef.node_data() == (dict, ("a", "b", "c"))
    assert tu.tree_structure(5).node_data() is None
    assert tu.tree_structure(5).children() == []
    assert tu.tree_structure((1, 2)).node_data() == (tuple, None)
    assert tu.tree_structure(Box(1, 2, "q")).node_data() == (Box, "q")
    assert tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])]) == tu.tree_structure((0, [0, 0]))
    assert tu.treedef_tuple([]) == tu.tree_structure(())


def test_treedef_hash_is_cached_and_usable_as_cache_key():
    t1 = tu.tree_structure({"a": [1, 2], "b": Box(1, 2, "x")})
    t2 = tu.tree_structure({"b": Box(3, 4, "x"), "a": [5, 6]})
    cache = {t1: "hit"}
    assert cache[t2] == "hit"
    assert hash(t1) == hash(t1) == hash(t2)
    assert tu.tree_structure(Box(1, 2, "y")) not in {tu.tree_structure(Box(1, 2, "x")): 0}


def test_unhashable_aux_data_raises_type_error_on_hash():
    treedef = tu.tree_structure(Box(1, 2, name=["not", "hashable"]))
    with pytest.raises(TypeError, match="unhashable"):
        hash(treedef)
    assert treedef == tu.tree_structure(Box(3, 4, name=["not", "hashable"]))


def test_unflatten_wrong_leaf_count():
    treedef = tu.tree_structure((1, [2, 3]))
    with pytest.raises(ValueError, match="expected 3, got 2"):
        treedef.unflatten([1, 2])
    with pytest.raises(ValueError, match="expected 3, got 4"):
        tu.tree_unflatten(treedef, [1, 2, 3, 4])


def test_flatten_up_to_prefix_and_mismatches():
    treedef = tu.tree_structure({"a": 0, "b": (0, 0)})
    assert treedef.flatten_up_to({"a": [1, 2], "b": (3, {"x": 4})}) == [[1, 2], 3, {"x": 4}]
    with pytest.raises(ValueError, match=r"at \['b'\].*arity mismatch.*expected 2.*got 3") as info:
        treedef.flatten_up_to({"a": 1, "b": (1, 2, 3)})
    message = str(info.value)
    assert "PyTreeDef({'a': *, 'b': (*, *)})" in message
    assert "PyTreeDef({'a': *, 'b': (*, *, *)})" in message
    with pytest.raises(ValueError, match="expected keys \\['a', 'b'\\], got keys \\['a', 'c'\\]"):
        treedef.flatten_up_to({"a": 1, "c": (1, 2)})
    with pytest.raises(ValueError, match=r"at \['b'\]: expected a tuple, got \[1, 2\]"):
        treedef.flatten_up_to({"a": 1, "b": [1, 2]})
    with pytest.raises(ValueError, match="expected a dict, got 5"):
        treedef.flatten_up_to(5)
    with pytest.raises(ValueError, match="expected None"):
        tu.tree_structure([None]).flatten_up_to([1])
    with pytest.raises(ValueError, match=r"at \[0\]: Box node data mismatch: expected 'p', got 'q'"):
        tu.tree_structure([Box(1, 2, "p")]).flatten_up_to([Box(1, 2, "q")])
    with pytest.raises(ValueError, match=r"at \[0\]\.y: expected a list"):
        tu.tree_structure([Point(1, [2])]).flatten_up_to([Point(1, (2,))])
    # A plain dict node accepts any dict with the same keys.
    assert treedef.flatten_up_to(collections.OrderedDict(b=(1, 2), a=0)) == [0, 1, 2]


def test_tree_map_multiple_trees():
    out = tu.tree_map(lambda x, y, z: x + y + z, [1, (2, 3)], [10, (20, 30)], [100, (200, 300)])
    assert out == [111, (222, 333)]
    # Extra trees may hold subtrees where the first tree has leaves.
    assert tu.tree_map(lambda x, y: (x, y), [1, 2], [[3, 4], {"a": 5}]) == [(1, [3, 4]), (2, {"a": 5})]
    with pytest.raises(ValueError, match="mismatch"):
        tu.tree_map(lambda x, y: x, [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="expected a list, got \\(1, 2\\)"):
        tu.tree_map(lambda x, y: x, [1, 2], (1, 2))
    # None in the first tree is an empty node, so the second tree must hold None there.
    assert tu.tree_map(lambda x, y: x + y, [1, None], [2, None]) == [3, None]
    with pytest.raises(ValueError):
        tu.tree_map(lambda x, y: x + y, [1, None], [2, 3])


def test_treedef_from_iterable_tree_and_build_tree():
    treedef = tu.tree_structure({"a": 0, "b": (0, 0)})
    assert tu.build_tree(treedef, [1, [2, 3]]) == {"a": 1, "b": (2, 3)}
    assert treedef.from_iterable_tree([1, (2, 3)]) == {"a": 1, "b": (2, 3)}
    with pytest.raises(ValueError):
        tu.build_tree(treedef, [1, [2]])


def test_compiled_builder_for_deep_and_wide_trees():
    deep = 1
    for i in range(120):
        deep = [deep, {"k": i}] if i % 2 else (deep,)
    leaves, treedef = tu.tree_flatten(deep)
    for _ in range(3):
        assert same(treedef.unflatten(leaves), deep)
    wide = {f"x{i}": (i, [i, None]) for i in range(1500)}
    leaves, treedef = tu.tree_flatten(wide)
    for _ in range(3):
        assert same(treedef.unflatten(leaves), wide)
    odd_keys = {(1, 2): 1, (0, "a"): 2, (1,): 3}
    leaves, treedef = tu.tree_flatten(odd_keys)
    for _ in range(3):
        assert treedef.unflatten(leaves) == odd_keys


def test_unflatten_builds_fresh_containers():
    treedef = tu.tree_structure([[0], {"a": 0}])
    first, second = treedef.unflatten([1, 2]), treedef.unflatten([1, 2])
    third = treedef.unflatten([1, 2])
    assert first == second == third == [[1], {"a": 2}]
    assert first is not second and second[0] is not third[0] and second[1] is not third[1]


# ----------------------------------------------------------------------------- registration

def test_custom_node_flatten_unflatten_and_aux():
    tree = [Box(1, (2, 3), "n"), Box(None, 4)]
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [1, 2, 3, 4]
    assert treedef.unflatten(leaves) == tree
    assert tu.tree_structure(Box(1, 2, "a")) != tu.tree_structure(Box(1, 2, "b"))
    assert tu.tree_map(lambda x: x * 10, Box(1, 2, "z")) == Box(10, 20, "z")


def test_register_pytree_node_passes_tuple_children_and_accepts_generators():
    class Gen:
        def __init__(self, xs):
            self.xs = xs

    seen = []

    def unflatten(aux, children):
        seen.append(type(children))
        return Gen(list(children))

    tu.register_pytree_node(Gen, lambda g: ((x for x in g.xs), len(g.xs)), unflatten)
    leaves, treedef = tu.tree_flatten(Gen([1, [2, 3]]))
    assert leaves == [1, 2, 3]
    assert treedef.unflatten([4, 5, 6]).xs == [4, [5, 6]]
    assert seen == [tuple]
    assert [str(p[0]) for p, _ in tu.tree_flatten_with_path(Gen([7, 8]))[0]] == [
        "[<flat index 0>]", "[<flat index 1>]"]


def test_duplicate_registration_is_an_error():
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, c: None)
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(tuple, lambda b: ((), None), lambda a, c: None)
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_static(type(None))


def test_registering_a_type_already_seen_as_a_leaf():
    class Late:
        def __init__(self, v):
            self.v = v

    assert tu.tree_leaves([Late(1)])[0].v == 1  # a leaf, and remembered as a leaf type
    tu.register_pytree_node(Late, lambda x: ((x.v,), None), lambda _, c: Late(*c))
    assert tu.tree_leaves([Late(1)]) == [1]
    assert tu.tree_leaves({"a": Late(2)}) == [2]


def test_register_pytree_with_keys():
    leaves_with_paths, treedef = tu.tree_flatten_with_path({"k": Keyed(1, [2])})
    assert [(tu.keystr(p), x) for p, x in leaves_with_paths] == [("['k'].a", 1), ("['k'].b[0]", 2)]
    assert tu.tree_leaves(Keyed(1, 2)) == [1, 2]
    back = treedef.unflatten([5, 6])
    assert back["k"].a == 5 and back["k"].b == [6]

    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    tu.register_pytree_with_keys(
        Pair, lambda p: (((DictKey("first"), p.a), (DictKey("second"), p.b)), "aux"),
        lambda aux, ch: Pair(*ch))
    paths = [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(Pair(1, 2))]
    assert paths == ["['first']", "['second']"]
    assert tu.tree_structure(Pair(1, 2)).node_data() == (Pair, "aux")


def test_register_dataclass_inferred_fields():
    tree = Params(w=np.ones(2), b=(1, 2), act="tanh")
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves[0] is tree.w and leaves[1:] == [1, 2]
    back = treedef.unflatten([7, 8, 9])
    assert back == Params(7, (8, 9), "tanh")
    assert treedef != tu.tree_structure(Params(np.ones(2), (1, 2), "relu"))
    assert treedef.node_data() == (Params, ("tanh",))
    paths = [tu.keystr(p) for p, _ in tu.tree_flatten_with_path(tree)[0]]
    assert paths == [".w", ".b[0]", ".b[1]"]


def test_register_dataclass_explicit_fields_and_validation():
    @dataclasses.dataclass
    class Explicit:
        x: object
        y: object
        tag: str
        cache: object = None
        derived: int = dataclasses.field(init=False, default=0)

    tu.register_dataclass(Explicit, data_fields=["y", "x"], meta_fields=["tag"], drop_fields=["cache"])
    leaves, treedef = tu.tree_flatten(Explicit(1, 2, "t", cache="c"))
    assert leaves == [2, 1]
    back = treedef.unflatten([3, 4])
    assert (back.x, back.y, back.tag, back.cache) == (4, 3, "t", None)

    @dataclasses.dataclass
    class Missing:
        x: object
        y: object

    with pytest.raises(ValueError, match="missing: \\['y'\\]"):
        tu.register_dataclass(Missing, data_fields=["x"], meta_fields=[])
    with pytest.raises(TypeError):
        tu.register_dataclass(Missing, data_fields=["x"])

    class NotADataclass:
        def __init__(self, a, m):
            self.a, self.m = a, m

    with pytest.raises(TypeError, match="not a dataclass"):
        tu.register_dataclass(NotADataclass)
    tu.register_dataclass(NotADataclass, data_fields=["a"], meta_fields=["m"])
    assert tu.tree_map(lambda v: v + 1, NotADataclass(1, "m")).a == 2


def test_register_static():
    tree = {"cfg": Config(3), "x": 1}
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [1]
    assert treedef.unflatten([2]) == {"cfg": Config(3), "x": 2}
    assert treedef != tu.tree_structure({"cfg": Config(4), "x": 1})
    assert hash(treedef) == hash(tu.tree_structure({"cfg": Config(3), "x": 5}))


def test_partial_is_a_pytree_with_static_func():
    p = tu.Partial(lambda a, b, c=0: a + b + c, 1, c=10)
    leaves, treedef = tu.tree_flatten(p)
    assert leaves == [1, 10]
    q = treedef.unflatten([2, 20])
    assert isinstance(q, tu.Partial) and isinstance(q, functools.partial)
    assert q(5) == 27 and q.func is p.func
    doubled = tu.tree_map(lambda x: 2 * x, p)
    assert doubled(1) == 2 + 1 + 20
    assert tu.tree_structure(tu.Partial(max, 1)) != tu.tree_structure(tu.Partial(min, 1))
    # A functools.partial inside stays static instead of being merged into the children.
    inner = functools.partial(lambda a, b, c: (a, b, c), "static")
    wrapped = tu.Partial(inner, 1)
    assert tu.tree_leaves(wrapped) == [1]
    assert wrapped(2) == ("static", 1, 2)
    assert tu.tree_structure(wrapped) == tu.tree_structure(tu.Partial(inner, 5))


# ----------------------------------------------------------------------------- key paths

def test_key_types_and_keystr():
    path = (DictKey("a"), SequenceKey(0), GetAttrKey("x"), FlattenedIndexKey(2))
    assert tu.keystr(path) == "['a'][0].x[<flat index 2>]"
    assert tu.keystr((DictKey("a"), SequenceKey(0)), simple=True, separator="/") == "a/0"
    assert tu.keystr(path, simple=True, separator=".") == "a.0.x.2"
    assert tu.keystr(()) == ""
    assert repr(DictKey("a")) == "DictKey(key='a')"
    assert repr(SequenceKey(1)) == "SequenceKey(idx=1)"
    assert repr(GetAttrKey("x")) == "GetAttrKey(name='x')"
    assert DictKey("a") == DictKey("a") and DictKey(0) != SequenceKey(0)
    assert len({DictKey("a"), DictKey("a"), GetAttrKey("a")}) == 2
    assert SequenceKey(3).idx == 3 and DictKey(1).key == 1 and GetAttrKey("n").name == "n"
    match DictKey("k"):
        case DictKey(key=k):
            assert k == "k"


def test_flatten_with_path_builtins_and_is_leaf():
    tree = {"a": [1, (2, None)], "b": Point(3, 4), "c": Box(5, 6)}
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert [(tu.keystr(p), x) for p, x in pairs] == [
        ("['a'][0]", 1), ("['a'][1][0]", 2), ("['b'].x", 3), ("['b'].y", 4),
        ("['c'][<flat index 0>]", 5), ("['c'][<flat index 1>]", 6)]
    assert treedef == tu.tree_structure(tree)
    pairs = tu.tree_leaves_with_path(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert [tu.keystr(p) for p, _ in pairs] == ["['a'][0]", "['a'][1]", "['b']", "['c'][<flat index 0>]", "['c'][<flat index 1>]"]
    pairs = tu.tree_leaves_with_path(tree, is_leaf=lambda p, x: len(p) == 1, is_leaf_takes_path=True)
    assert [tu.keystr(p) for p, _ in pairs] == ["['a']", "['b']", "['c']"]


def test_tree_map_with_path():
    out = tu.tree_map_with_path(lambda p, x, y: (tu.keystr(p), x + y), {"a": 1, "b": [2]}, {"a": 10, "b": [20]})
    assert out == {"a": ("['a']", 11), "b": [("['b'][0]", 22)]}


# ----------------------------------------------------------------------------- reductions etc.

def test_reduce_all_transpose_broadcast():
    assert tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)]) == 6
    assert tu.tree_reduce(lambda a, b: a + [b], [1, (2, 3)], []) == [1, 2, 3]
    assert tu.tree_reduce(lambda a, b: a + b, [], 7) == 7
    with pytest.raises(TypeError):
        tu.tree_reduce(lambda a, b: a + b, [])
    assert jt.reduce_associative(lambda a, b: a + b, [1, 2, 3, 4, 5]) == 15
    assert jt.reduce_associative(lambda a, b: f"({a}{b})", list("abcd")) == "((ab)(cd))"
    assert jt.reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    assert tu.tree_all([True, (1, None)]) and not tu.tree_all([True, (0,)]) and tu.tree_all([])
    assert tu.tree_all([None, 0], is_leaf=lambda x: x is None) is False
    out = tu.tree_transpose(tu.tree_structure([0, 0, 0]), tu.tree_structure({"a": 0, "b": 0}),
                            [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}])
    assert out == {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert jt.transpose(jt.structure([0, 0]), None, [(1, 2), (3, 4)]) == ([1, 3], [2, 4])
    with pytest.raises(TypeError, match="mismatch"):
        tu.tree_transpose(tu.tree_structure([0, 0]), tu.tree_structure((0, 0)), [(1, 2), (3,)])
    assert jt.broadcast([1, 2], [[0, 0], {"a": 0, "b": None}]) == [[1, 1], {"a": 2, "b": None}]


def test_all_leaves_one_level_and_is_tree_node():
    assert tu.all_leaves([1, "a", np.zeros(2)])
    assert not tu.all_leaves([1, (2,)])
    assert not tu.all_leaves([None])
    assert tu.all_leaves([None, 1], is_leaf=lambda x: x is None)
    assert tu.flatten_one_level({"b": 1, "a": (2,)}) == ([(2,), 1], ("a", "b"))
    assert tu.flatten_one_level(None) == ([], None)
    with pytest.raises(ValueError, match="can't tree-flatten"):
        tu.flatten_one_level(1)
    assert tu.flatten_one_level_with_keys([5, 6]) == ([(SequenceKey(0), 5), (SequenceKey(1), 6)], None)
    assert tu.is_tree_node([]) and tu.is_tree_node(None) and not tu.is_tree_node(1)
    assert not tu.is_tree_node([], is_leaf=lambda x: True)


def test_tree_namespace_matches_tree_util():
    tree = {"a": (1, 2), "b": [3]}
    assert jt.leaves(tree) == tu.tree_leaves(tree) == [1, 2, 3]
    leaves, treedef = jt.flatten(tree)
    assert jt.unflatten(treedef, leaves) == tree and jt.structure(tree) == treedef
    assert jt.map(lambda x: -x, tree) == {"a": (-1, -2), "b": [-3]}
    assert jt.all(tree) and jt.reduce(max, tree) == 3
    assert [tu.keystr(p) for p, _ in jt.leaves_with_path(tree)] == ["['a'][0]", "['a'][1]", "['b'][0]"]
    assert jt.flatten_with_path(tree)[1] == treedef
    assert jt.map_with_path(lambda p, x: len(p), tree) == {"a": (2, 2), "b": [2]}


def test_docstring_examples_run():
    import doctest

    import numax.core.pytree as pytree
    assert doctest.testmod(pytree).failed == 0
