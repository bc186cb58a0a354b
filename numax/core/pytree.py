"""Pytrees: flattening nested containers into leaves plus a hashable structure.

Owns the node registry (tuple, list, dict, None, namedtuples, OrderedDict,
defaultdict, and user types registered through `register_pytree_node` & co.),
`PyTreeDef`, flatten/unflatten, key paths and the key types, and `Partial`.
Knows nothing of arrays, tracers or primitives: anything not registered is a
leaf. Flattening sits on the jit dispatch hot path, so the builtin containers
take inlined fast paths and leaves are recognised by one set lookup of their
type; everything else (is_leaf, key paths, custom nodes) goes through the
slower generic walk. A treedef is its post-order list of node records: `None`
for a leaf, `(arity, kind, aux)` for a node; two treedefs are equal iff their
records are, and the hash of the records is computed once and cached.
"""

import collections
import dataclasses
import functools
import operator

from numax.runtime import fastpath

__all__ = [
    "PyTreeDef", "Partial", "SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey",
    "keystr", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
    "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path", "tree_all",
    "tree_reduce", "tree_reduce_associative", "tree_transpose", "tree_broadcast",
    "all_leaves", "build_tree", "treedef_is_leaf", "treedef_children", "treedef_tuple",
    "register_pytree_node", "register_pytree_with_keys", "register_pytree_node_class",
    "register_pytree_with_keys_class", "register_dataclass", "register_static",
    "flatten_one_level", "flatten_one_level_with_keys", "is_tree_node",
]

_NoneType = type(None)


# ----------------------------------------------------------------------------- keys

@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """Key of a child of a tuple or list: prints as `[idx]`."""
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """Key of a child of a dict-like node: prints as `[key!r]`."""
    key: object

    def __str__(self):
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """Key of an attribute child (namedtuple or dataclass field): prints as `.name`."""
    name: str

    def __str__(self):
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """Key of the i-th child of a custom node registered without keys."""
    key: int

    def __str__(self):
        return f"[<flat index {self.key}>]"


def _simple_key_str(key):
    if isinstance(key, SequenceKey):
        return str(key.idx)
    if isinstance(key, (DictKey, FlattenedIndexKey)):
        return str(key.key)
    if isinstance(key, GetAttrKey):
        return key.name
    return str(key)


def keystr(keys, *, simple=False, separator=""):
    """Render a key path: `keystr((DictKey('a'), SequenceKey(0)))` is `"['a'][0]"`.

    With `simple=True` each key is its bare value (`a`, `0`, `x`), joined by `separator`:
    `keystr((DictKey('a'), SequenceKey(0)), simple=True, separator='/')` is `"a/0"`.
    """
    return separator.join(map(_simple_key_str if simple else str, keys))


# ----------------------------------------------------------------------------- registry

class _NodeKind:
    """How one node type flattens: `flatten(x) -> (children, aux)`,
    `build(aux, children_list) -> x`, `keyed(x) -> (keys, children, aux)`."""
    __slots__ = ("type", "flatten", "build", "keyed", "style")

    def __init__(self, type_, flatten, build, keyed, style):
        self.type, self.flatten, self.build, self.keyed, self.style = (
            type_, flatten, build, keyed, style)

    def __repr__(self):
        return f"<pytree node {self.type.__qualname__}>"


def _sorted_keys(d):
    # Dicts flatten in sorted key order, so equal dicts built in different orders have
    # equal treedefs (and hit the same jit cache entry); JAX rejects unsortable keys too.
    try:
        return sorted(d)
    except TypeError as e:
        raise ValueError(
            f"pytree dict keys must be sortable, got keys {list(d)!r} ({e}); use an "
            "OrderedDict or register a custom pytree node for such a mapping.") from None


def _dict_flatten(d):
    keys = tuple(_sorted_keys(d))
    return [d[k] for k in keys], keys


def _dict_keyed(d):
    children, keys = _dict_flatten(d)
    return [DictKey(k) for k in keys], children, keys


def _seq_keyed(x):
    return [SequenceKey(i) for i in range(len(x))], x, None


def _odict_keyed(d):
    return [DictKey(k) for k in d], list(d.values()), tuple(d)


def _ddict_flatten(d):
    children, keys = _dict_flatten(d)
    return children, (d.default_factory, keys)


def _ddict_keyed(d):
    children, aux = _ddict_flatten(d)
    return [DictKey(k) for k in aux[1]], children, aux


def _flat_index_keyed(flatten):
    def keyed(x):
        children, aux = flatten(x)
        children = _as_seq(children)
        return [FlattenedIndexKey(i) for i in range(len(children))], children, aux
    return keyed


def _as_seq(children):
    t = type(children)
    return children if t is list or t is tuple else tuple(children)


_TUPLE = _NodeKind(tuple, lambda x: (x, None), lambda aux, ch: tuple(ch), _seq_keyed, "tuple")
_LIST = _NodeKind(list, lambda x: (x, None), lambda aux, ch: ch, _seq_keyed, "list")
_DICT = _NodeKind(dict, _dict_flatten, lambda keys, ch: dict(zip(keys, ch)), _dict_keyed, "dict")
_NONE = _NodeKind(_NoneType, lambda x: ((), None), lambda aux, ch: None,
                  lambda x: ((), (), None), "none")
_ODICT = _NodeKind(
    collections.OrderedDict, lambda d: (list(d.values()), tuple(d)),
    lambda keys, ch: collections.OrderedDict(zip(keys, ch)), _odict_keyed, "ordereddict")
_DDICT = _NodeKind(
    collections.defaultdict, _ddict_flatten,
    lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)), _ddict_keyed, "defaultdict")
_NONE_RECORD = (0, _NONE, None)

# type -> _NodeKind for every node type (registered or a namedtuple seen so far).
_kinds = {k.type: k for k in (_TUPLE, _LIST, _DICT, _NONE, _ODICT, _DDICT)}
# Types known to be leaves: one set lookup decides a leaf on the hot path.
_leaf_types = {int, float, complex, bool, str, bytes, type, slice, type(Ellipsis)}
_registered = set(_kinds)  # explicitly registered / builtin: re-registration is an error
_MAX_LEAF_TYPES = 4096


def _namedtuple_kind(cls):
    fields = cls._fields
    return _NodeKind(
        cls, lambda x: (x, None), lambda aux, ch: cls(*ch),
        lambda x: ([GetAttrKey(f) for f in fields], x, None), "namedtuple")


def _kind_of(t):
    """The node kind of type `t`, or None if `t` is a leaf type (result cached)."""
    kind = _kinds.get(t)
    if kind is not None or t in _leaf_types:
        return kind
    if issubclass(t, tuple) and hasattr(t, "_fields"):  # namedtuple: node in field order
        kind = _kinds[t] = _namedtuple_kind(t)
        return kind
    if len(_leaf_types) > _MAX_LEAF_TYPES:  # don't pin an unbounded number of classes
        _leaf_types.clear()
        _leaf_types.update((int, float, complex, bool, str, bytes))
    _leaf_types.add(t)
    return None


def _register(nodetype, kind):
    if nodetype in _registered:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
    _registered.add(nodetype)
    _kinds[nodetype] = kind
    _leaf_types.discard(nodetype)
    # The C++ jit dispatch flattens arguments itself; it must see the same structure.
    fastpath.register_node(nodetype, kind.flatten, lambda aux, children: kind.build(aux, list(children)))


def register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func=None):
    """Make `nodetype` a pytree node.

    `flatten_func(x) -> (children, aux_data)`; `unflatten_func(aux_data, children) -> x`
    (children arrive as a tuple). aux_data is stored in the treedef: it must be hashable
    and comparable for treedefs to be jit cache keys. `flatten_with_keys_func(x) ->
    (((key, child), ...), aux_data)` supplies key paths; without it the children are keyed
    `FlattenedIndexKey(i)`. Registering a type twice is a ValueError.
    """
    if flatten_with_keys_func is None:
        keyed = _flat_index_keyed(flatten_func)
    else:
        def keyed(x):
            pairs, aux = flatten_with_keys_func(x)
            pairs = list(pairs)
            return [k for k, _ in pairs], [c for _, c in pairs], aux
    build = lambda aux, ch: unflatten_func(aux, tuple(ch))
    _register(nodetype, _NodeKind(nodetype, flatten_func, build, keyed, "custom"))
    return nodetype


def register_pytree_with_keys(nodetype, flatten_with_keys, unflatten_func, flatten_func=None):
    """Like `register_pytree_node`, with `flatten_with_keys(x) -> (((key, child), ...), aux)`
    as the primary rule; `flatten_func` (a faster keyless version) is derived if omitted."""
    if flatten_func is None:
        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [c for _, c in pairs], aux
    return register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls):
    """Class decorator: `cls.tree_flatten(self) -> (children, aux)` and classmethod
    `cls.tree_unflatten(aux, children)` make its instances pytree nodes."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls):
    """Class decorator using `tree_flatten_with_keys(self)`, classmethod `tree_unflatten`
    and, if defined, `tree_flatten(self)`."""
    flatten = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(
        cls, operator.methodcaller("tree_flatten_with_keys"), cls.tree_unflatten, flatten)
    return cls


def _getter(names):
    if not names:
        return lambda x: ()
    if len(names) == 1:
        get = operator.attrgetter(names[0])
        return lambda x: (get(x),)
    return operator.attrgetter(*names)


def register_dataclass(nodetype, data_fields=None, meta_fields=None, drop_fields=()):
    """Register a dataclass: `data_fields` are children, `meta_fields` go (as a tuple) into
    the treedef and must be hashable. With neither given, fields are inferred from
    `dataclasses.fields`: those with `metadata={'static': True}` are meta, the others data;
    fields with `init=False` and `drop_fields` are left out. Unflattening calls
    `nodetype(**fields)`. Usable as a decorator; returns `nodetype`.
    """
    is_dc = dataclasses.is_dataclass(nodetype)
    if data_fields is None and meta_fields is None:
        if not is_dc:
            raise TypeError(
                f"register_dataclass: {nodetype.__name__} is not a dataclass; pass "
                "data_fields= and meta_fields= explicitly.")
        fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop_fields]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
    elif data_fields is None or meta_fields is None:
        raise TypeError("register_dataclass: pass both data_fields and meta_fields, or neither.")
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
    if is_dc:
        init = {f.name for f in dataclasses.fields(nodetype) if f.init}
        given = set(data_fields) | set(meta_fields)
        missing, unexpected = init - given - set(drop_fields), given - init
        if missing or unexpected:
            raise ValueError(
                "register_dataclass: data_fields and meta_fields must name every dataclass "
                f"field with init=True (or list it in drop_fields) and nothing else; "
                f"missing: {sorted(missing)}, unexpected: {sorted(unexpected)}.")
    get_data, get_meta = _getter(data_fields), _getter(meta_fields)

    def flatten(x):
        return get_data(x), get_meta(x)

    def keyed(x):
        return [GetAttrKey(n) for n in data_fields], get_data(x), get_meta(x)

    def build(meta, children):
        return nodetype(**dict(zip(meta_fields, meta)), **dict(zip(data_fields, children)))

    _register(nodetype, _NodeKind(nodetype, flatten, build, keyed, "custom"))
    return nodetype


def register_static(cls):
    """Instances of `cls` become childless nodes whose aux data is the instance itself
    (so they are part of the treedef: they must be hashable). Returns `cls`."""
    register_pytree_node(cls, lambda x: ((), x), lambda aux, _: aux)
    return cls


def static(**field_options):
    """A `dataclasses.field` marked static (`metadata={'static': True}`), so that
    `register_dataclass` puts it in the treedef instead of the leaves."""
    metadata = dict(field_options.pop("metadata", None) or {}, static=True)
    return dataclasses.field(metadata=metadata, **field_options)


# ----------------------------------------------------------------------------- flatten

def _flatten_into(x, leaves, nodes):
    # Hot path. Children whose type is a known leaf type are handled inline.
    t = type(x)
    if t is dict:
        try:
            keys = sorted(x)
        except TypeError:
            keys = _sorted_keys(x)  # raises the explanatory error
        for k in keys:
            c = x[k]
            if type(c) in _leaf_types:
                leaves.append(c)
                nodes.append(None)
            else:
                _flatten_into(c, leaves, nodes)
        nodes.append((len(keys), _DICT, tuple(keys)))
        return
    if t is tuple or t is list:
        for c in x:
            if type(c) in _leaf_types:
                leaves.append(c)
                nodes.append(None)
            else:
                _flatten_into(c, leaves, nodes)
        nodes.append((len(x), _TUPLE if t is tuple else _LIST, None))
        return
    if x is None:
        nodes.append(_NONE_RECORD)
        return
    kind = _kinds.get(t) or _kind_of(t)
    if kind is None:
        leaves.append(x)
        nodes.append(None)
        return
    children, aux = kind.flatten(x)
    if type(children) is not tuple and type(children) is not list:
        children = tuple(children)
    for c in children:
        _flatten_into(c, leaves, nodes)
    nodes.append((len(children), kind, aux))


def _leaves_into(x, leaves):
    # tree_leaves' hot path: like _flatten_into without the structure.
    t = type(x)
    if t is dict:
        try:
            keys = sorted(x)
        except TypeError:
            keys = _sorted_keys(x)
        for k in keys:
            c = x[k]
            if type(c) in _leaf_types:
                leaves.append(c)
            else:
                _leaves_into(c, leaves)
    elif t is tuple or t is list:
        for c in x:
            if type(c) in _leaf_types:
                leaves.append(c)
            else:
                _leaves_into(c, leaves)
    elif x is not None:
        kind = _kinds.get(t) or _kind_of(t)
        if kind is None:
            leaves.append(x)
        else:
            for c in kind.flatten(x)[0]:
                _leaves_into(c, leaves)


def _flatten_general(x, path, is_leaf, takes_path, leaves, nodes):
    # The walk for is_leaf and key paths: is_leaf is asked first, at every node (None
    # included). With path=None no keys are made; otherwise leaves gets (path, leaf) pairs.
    if is_leaf is not None and (is_leaf(path, x) if takes_path else is_leaf(x)):
        leaves.append(x if path is None else (path, x))
        nodes.append(None)
        return
    kind = _kinds.get(type(x)) or _kind_of(type(x))
    if kind is None:
        leaves.append(x if path is None else (path, x))
        nodes.append(None)
        return
    if path is None:
        children, aux = kind.flatten(x)
        children = _as_seq(children)
        for c in children:
            _flatten_general(c, None, is_leaf, False, leaves, nodes)
    else:
        keys, children, aux = kind.keyed(x)
        children = _as_seq(children)
        if len(keys) != len(children):
            raise ValueError(f"flatten_with_keys of {kind.type} gave {len(keys)} keys for "
                             f"{len(children)} children")
        for k, c in zip(keys, children):
            _flatten_general(c, path + (k,), is_leaf, takes_path, leaves, nodes)
    nodes.append((len(children), kind, aux))


def tree_flatten(tree, is_leaf=None):
    """Flatten `tree` into (leaves, treedef). Leaves come in a fixed order: sequences in
    order, dicts by sorted key, registered nodes in the order their flatten gives.

    >>> tree_flatten({'b': (1, 2), 'a': None})
    ([1, 2], PyTreeDef({'a': None, 'b': (*, *)}))
    """
    leaves, nodes = [], []
    if is_leaf is None:
        _flatten_into(tree, leaves, nodes)
    else:
        _flatten_general(tree, None, is_leaf, False, leaves, nodes)
    return leaves, PyTreeDef(nodes, len(leaves))


def tree_leaves(tree, is_leaf=None):
    """The leaves of `tree`, in flattening order: `tree_leaves([None, 1]) == [1]`."""
    leaves = []
    if is_leaf is None:
        _leaves_into(tree, leaves)
    else:
        _flatten_general(tree, None, is_leaf, False, leaves, [])
    return leaves


def tree_structure(tree, is_leaf=None):
    """The treedef of `tree`: `tree_structure((1, [2]))` is `PyTreeDef((*, [*]))`."""
    return tree_flatten(tree, is_leaf)[1]


def tree_unflatten(treedef, leaves):
    """Rebuild a tree of `treedef`'s structure from an iterable of leaves."""
    return treedef.unflatten(leaves)


def tree_flatten_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """Like `tree_flatten`, with each leaf paired with its key path:
    `([((DictKey('a'),), 1)], PyTreeDef({'a': *}))` for `{'a': 1}`."""
    pairs, nodes = [], []
    _flatten_general(tree, (), is_leaf, is_leaf_takes_path, pairs, nodes)
    return pairs, PyTreeDef(nodes, len(pairs))


def tree_leaves_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """[(key_path, leaf), ...] of `tree`."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map(f, tree, *rest, is_leaf=None):
    """Apply `f` leafwise: `tree_map(f, t, *rest)` has `t`'s structure and leaves
    `f(x, *xs)`, where each tree in `rest` must have `t`'s structure or have it as a prefix
    (the subtree found at each of `t`'s leaves is passed whole).

    >>> tree_map(lambda x, y: x + y, {'a': 1, 'b': (2, 3)}, {'a': 10, 'b': (20, 30)})
    {'a': 11, 'b': (22, 33)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return treedef._build([f(x) for x in leaves])
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef._build([f(*xs) for xs in zip(leaves, *others)])


def tree_map_with_path(f, tree, *rest, is_leaf=None, is_leaf_takes_path=False):
    """Like `tree_map`, calling `f(key_path, x, *xs)`."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef._build([f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def flatten_one_level(tree):
    """(children, aux_data) of a pytree node; ValueError for a leaf."""
    kind = _kinds.get(type(tree)) or _kind_of(type(tree))
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    children, aux = kind.flatten(tree)
    return list(children), aux


def flatten_one_level_with_keys(tree):
    """([(key, child), ...], aux_data) of a pytree node; ValueError for a leaf."""
    kind = _kinds.get(type(tree)) or _kind_of(type(tree))
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    keys, children, aux = kind.keyed(tree)
    return list(zip(keys, children)), aux


def is_tree_node(tree, is_leaf=None):
    """True iff `tree` is a pytree node (not a leaf) under `is_leaf`."""
    if is_leaf is not None and is_leaf(tree):
        return False
    return (_kinds.get(type(tree)) or _kind_of(type(tree))) is not None


class PyTreeRegistry:
    """numax's one pytree registry seen as an object, as libraries reach JAX's through
    `tree_util.default_registry`: each method is a module function of this file."""

    def flatten(self, tree, leaf_predicate=None):
        return tree_flatten(tree, leaf_predicate)

    def flatten_with_path(self, tree, leaf_predicate=None):
        return tree_flatten_with_path(tree, leaf_predicate, is_leaf_takes_path=True)

    def flatten_one_level(self, tree):
        """(children, aux_data), or None for a leaf."""
        return flatten_one_level(tree) if is_tree_node(tree) else None

    def flatten_one_level_with_keys(self, tree):
        """([(key, child), ...], aux_data), or None for a leaf."""
        return flatten_one_level_with_keys(tree) if is_tree_node(tree) else None

    def is_node(self, nodetype):
        """Whether instances of the type `nodetype` are pytree nodes."""
        return (_kinds.get(nodetype) or _kind_of(nodetype)) is not None

    def register_node(self, nodetype, to_iterable, from_iterable, to_iterable_with_keys=None):
        register_pytree_node(nodetype, to_iterable, from_iterable, to_iterable_with_keys)

    def register_dataclass_node(self, nodetype, data_fields, meta_fields, /):
        register_dataclass(nodetype, data_fields, meta_fields)


default_registry = PyTreeRegistry()

_MISSING = object()


def tree_all(tree, *, is_leaf=None):
    """True iff every leaf is truthy (`all(tree_leaves(tree))`)."""
    return all(tree_leaves(tree, is_leaf))


def tree_reduce(function, tree, initializer=_MISSING, is_leaf=None):
    """`functools.reduce(function, leaves[, initializer])` over the leaves, left to right."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _MISSING:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_reduce_associative(operation, tree, *, identity=_MISSING, is_leaf=None):
    """Reduce the leaves with an associative `operation` in a balanced (pairwise) order."""
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _MISSING:
            raise TypeError("tree_reduce_associative: empty tree and no identity given")
        return identity
    while len(leaves) > 1:
        paired = [operation(a, b) for a, b in zip(leaves[::2], leaves[1::2])]
        leaves = paired + leaves[-1:] if len(leaves) % 2 else paired
    return leaves[0]


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose):
    """Turn an outer-of-inner tree into an inner-of-outer tree: `tree_transpose(
    tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])` is `([1, 3], [2, 4])`.
    `inner_treedef=None` infers it from the first outer leaf."""
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    leaves, treedef = tree_flatten(pytree_to_transpose)
    inner_size, outer_size = inner_treedef.num_leaves, outer_treedef.num_leaves
    if treedef.num_leaves != inner_size * outer_size:
        raise TypeError(
            f"tree_transpose: mismatch\n{treedef}\n != \n{outer_treedef.compose(inner_treedef)}")
    rows = [leaves[i * inner_size:(i + 1) * inner_size] for i in range(outer_size)]
    columns = zip(*rows) if outer_size else [()] * inner_size
    return inner_treedef.unflatten(outer_treedef.unflatten(column) for column in columns)


def tree_broadcast(prefix_tree, full_tree, is_leaf=None):
    """`full_tree`'s structure with each leaf of `prefix_tree` copied to every leaf of the
    corresponding subtree of `full_tree`."""
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = prefix_def.flatten_up_to(full_tree)
    return prefix_def.unflatten(
        tree_map(lambda _, p=p: p, sub, is_leaf=is_leaf)
        for p, sub in zip(prefix_leaves, subtrees))


def all_leaves(iterable, is_leaf=None):
    """True iff every element of `iterable` is a leaf (None is not: it is an empty node)."""
    if is_leaf is None:
        return all(x is not None and _kind_of(type(x)) is None for x in iterable)
    items = list(iterable)
    leaves = tree_leaves(items, is_leaf)
    return len(leaves) == len(items) and all(a is b for a, b in zip(items, leaves))


def treedef_is_leaf(treedef):
    """True iff `treedef` is a single leaf `*`."""
    return treedef.num_nodes == 1 and treedef.num_leaves == 1


def treedef_children(treedef):
    """The treedefs of `treedef`'s root's children."""
    return treedef.children()


def treedef_tuple(treedefs):
    """The treedef of a tuple whose children have the given treedefs."""
    return _treedef_from_node((tuple, None), list(treedefs))


# ----------------------------------------------------------------------------- PyTreeDef

class _Mismatch(Exception):
    """Internal: a structure mismatch in flatten_up_to; `path` is filled while unwinding."""

    def __init__(self, message):
        super().__init__(message)
        self.message, self.path = message, []


def _short(x, limit=80):
    text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_STYLE_NAMES = {"tuple": "a tuple", "list": "a list", "dict": "a dict", "none": "None"}


def _kind_name(kind):
    return _STYLE_NAMES.get(kind.style) or f"a {kind.type.__qualname__}"


def _match_node(kind, n, aux, x):
    """The children of `x` in the order of a node (n, kind, aux), or raise _Mismatch."""
    style = kind.style
    if style in ("dict", "ordereddict", "defaultdict"):
        ok = isinstance(x, dict) if style == "dict" else type(x) is kind.type
        if not ok:
            raise _Mismatch(f"expected {_kind_name(kind)}, got {_short(x)}")
        keys = aux[1] if style == "defaultdict" else aux
        if len(x) != n or any(k not in x for k in keys):
            raise _Mismatch(
                f"dict key mismatch: expected keys {list(keys)}, got keys {_sorted_keys(x)}")
        return [x[k] for k in keys]
    if type(x) is not kind.type:
        raise _Mismatch(f"expected {_kind_name(kind)}, got {_short(x)}")
    children, xaux = kind.flatten(x)
    children = _as_seq(children)
    if len(children) != n:
        raise _Mismatch(
            f"{kind.type.__qualname__} arity mismatch: expected {n} children, "
            f"got {len(children)}: {_short(x)}")
    if xaux is not aux and xaux != aux:
        raise _Mismatch(
            f"{kind.type.__qualname__} node data mismatch: expected {aux!r}, got {xaux!r}")
    return children


def _up_to(spec, x, out):
    if spec is None:
        out.append(x)
        return
    (n, kind, aux), subspecs = spec
    children = _match_node(kind, n, aux, x)
    for i, (sub, c) in enumerate(zip(subspecs, children)):
        try:
            _up_to(sub, c, out)
        except _Mismatch as e:
            e.path.append(kind.keyed(x)[0][i])
            raise


def _format(spec):
    if spec is None:
        return "*"
    (n, kind, aux), subspecs = spec
    parts = [_format(s) for s in subspecs]
    style = kind.style
    if style == "tuple":
        return "(" + ", ".join(parts) + ("," if n == 1 else "") + ")"
    if style == "list":
        return "[" + ", ".join(parts) + "]"
    if style == "none":
        return "None"
    if style in ("dict", "ordereddict", "defaultdict"):
        keys = aux[1] if style == "defaultdict" else aux
        body = "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(keys, parts)) + "}"
        if style == "dict":
            return body
        if style == "ordereddict":
            return f"OrderedDict({body})"
        return f"defaultdict({aux[0]!r}, {body})"
    if style == "namedtuple":
        return f"CustomNode(namedtuple[{kind.type.__name__}], [{', '.join(parts)}])"
    return f"CustomNode({kind.type.__name__}[{aux!r}], [{', '.join(parts)}])"


def _treedef_from_records(records):
    records = [None if r is None else (r[0], _kind_of(r[1]), r[2]) for r in records]
    return PyTreeDef(records, sum(r is None for r in records))


class PyTreeDef:
    """The structure of a pytree: node types, their aux data and arities, with holes (`*`)
    for leaves. Equal iff the structures are; hashable (cached) so it can key jit caches."""
    __slots__ = ("_nodes", "num_leaves", "_hash", "_spec", "_builder")

    def __init__(self, nodes, num_leaves):
        self._nodes = nodes  # post-order records; never mutated after construction
        self.num_leaves = num_leaves
        self._hash = self._spec = self._builder = None

    @property
    def num_nodes(self):
        return len(self._nodes)

    def __eq__(self, other):
        if self is other:
            return True
        if type(other) is not PyTreeDef:
            return NotImplemented
        return self.num_leaves == other.num_leaves and self._nodes == other._nodes

    def __hash__(self):
        h = self._hash
        if h is None:
            try:
                h = self._hash = hash(tuple(self._nodes))
            except TypeError:
                for r in self._nodes:
                    if r is not None:
                        try:
                            hash(r[2])
                        except TypeError:
                            raise TypeError(
                                f"PyTreeDef is unhashable: node {r[1].type.__qualname__} has "
                                f"unhashable aux data {_short(r[2])}. Make the aux data "
                                "returned by its flatten function hashable.") from None
                raise
        return h

    def __repr__(self):
        return f"PyTreeDef({_format(self._nested())})"

    __str__ = __repr__

    def __reduce__(self):
        records = [None if r is None else (r[0], r[1].type, r[2]) for r in self._nodes]
        return _treedef_from_records, (records,)

    def _nested(self):
        # The nested form ((arity, kind, aux), [subspecs]) / None for a leaf; cached.
        spec = self._spec
        if spec is None:
            stack = []
            for r in self._nodes:
                if r is None:
                    stack.append(None)
                else:
                    n = r[0]
                    kids = stack[len(stack) - n:]
                    del stack[len(stack) - n:]
                    stack.append((r, kids))
            spec = self._spec = stack[0]
        return spec

    def _build(self, leaves):
        # unflatten without the count check (callers guarantee it). The first build of a
        # treedef walks its records; a treedef built again (a jit cache entry's output
        # structure) gets a builder compiled for it, about 4x faster.
        builder = self._builder
        if builder is None:
            self._builder = _COMPILE_NEXT_TIME
            return _build_walk(self._nodes, leaves)
        if builder is _COMPILE_NEXT_TIME:
            builder = self._builder = _compile_builder(self._nodes)
        return builder(leaves)

    def unflatten(self, leaves):
        """Rebuild a tree of this structure from an iterable of leaves."""
        if type(leaves) is not list and type(leaves) is not tuple:
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            few = "few" if len(leaves) < self.num_leaves else "many"
            raise ValueError(
                f"Too {few} leaves for PyTreeDef; expected {self.num_leaves}, got "
                f"{len(leaves)}. Structure: {self}")
        return self._build(leaves)

    def flatten_up_to(self, tree):
        """The subtrees of `tree` at this treedef's leaves; `tree` must have this structure
        down to those leaves, else ValueError naming both structures."""
        out = []
        try:
            _up_to(self._nested(), tree, out)
        except _Mismatch as e:
            where = keystr(reversed(e.path)) or "the root"
            try:
                actual = repr(tree_structure(tree))
            except Exception:  # a broken custom flatten: don't mask the mismatch
                actual = _short(tree)
            raise ValueError(
                f"Tree structure mismatch at {where}: {e.message}.\n"
                f"  expected structure: {self}\n  got structure:      {actual}") from None
        return out

    def children(self):
        """The treedefs of the root's children ([] for a leaf)."""
        nodes = self._nodes
        root = nodes[-1]
        if root is None:
            return []
        out, end = [], len(nodes) - 1  # children end just before the root, last child last
        for _ in range(root[0]):
            start = _subtree_start(nodes, end - 1)
            sub = nodes[start:end]
            out.append(PyTreeDef(sub, sum(r is None for r in sub)))
            end = start
        return out[::-1]

    def node_data(self):
        """(node type, aux data) of the root, or None for a leaf."""
        r = self._nodes[-1]
        return None if r is None else (r[1].type, r[2])

    def compose(self, inner):
        """The treedef with `inner` substituted at each of this treedef's leaves."""
        nodes = []
        for r in self._nodes:
            if r is None:
                nodes.extend(inner._nodes)
            else:
                nodes.append(r)
        return PyTreeDef(nodes, self.num_leaves * inner.num_leaves)

    def from_iterable_tree(self, xs):
        """Build a tree of this structure whose node children come from nested iterables."""
        return build_tree(self, xs)

    @staticmethod
    def make_from_node_data_and_children(registry, node_data, children):
        """Inverse of (node_data(), children()); `registry` is accepted and ignored."""
        return _treedef_from_node(node_data, children)


def _build_walk(nodes, leaves):
    stack = []
    push = stack.append
    i = 0
    for r in nodes:
        if r is None:
            push(leaves[i])
            i += 1
            continue
        n, kind, aux = r
        if n:
            ch = stack[-n:]
            del stack[-n:]
        else:
            ch = []
        if kind is _DICT:
            push(dict(zip(aux, ch)))
        elif kind is _TUPLE:
            push(tuple(ch))
        elif kind is _LIST:
            push(ch)
        else:
            push(kind.build(aux, ch))
    return stack[0]


_COMPILE_NEXT_TIME = object()
_MAX_COMPILED_NODES, _MAX_COMPILED_DEPTH = 2000, 50


def _compile_builder(nodes):
    """A function leaves -> tree for this structure, as one Python expression: dict, tuple
    and list displays with the leaves indexed in place. Keys, aux data and builders are
    bound as globals of the generated code; no user text enters the source."""
    if len(nodes) > _MAX_COMPILED_NODES:
        return functools.partial(_build_walk, nodes)
    env, stack, i = {}, [], 0
    for j, r in enumerate(nodes):
        if r is None:
            stack.append((f"L[{i}]", 0))
            i += 1
            continue
        n, kind, aux = r
        kids = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        depth = 1 + max((d for _, d in kids), default=0)
        if depth > _MAX_COMPILED_DEPTH:  # the parser limits nesting; deep trees walk
            return functools.partial(_build_walk, nodes)
        args = ", ".join(e for e, _ in kids)
        if kind is _TUPLE:
            expr = f"({args}{',' if n == 1 else ''})"
        elif kind is _LIST:
            expr = f"[{args}]"
        elif kind is _NONE:
            expr = "None"
        elif kind is _DICT:
            env.update((f"k{j}_{m}", k) for m, k in enumerate(aux))
            expr = "{" + ", ".join(f"k{j}_{m}: {e}" for m, (e, _) in enumerate(kids)) + "}"
        elif kind.style == "namedtuple":
            env[f"t{j}"] = kind.type
            expr = f"t{j}({args})"
        else:
            env[f"b{j}"], env[f"a{j}"] = kind.build, aux
            expr = f"b{j}(a{j}, [{args}])"
        stack.append((expr, depth))
    return eval("lambda L: " + stack[0][0], env)


def _subtree_start(nodes, last):
    # Index of the first record of the subtree whose root record is nodes[last].
    need, i = 1, last
    while need:
        r = nodes[i]
        need += -1 if r is None else r[0] - 1
        i -= 1
    return i + 1


def _treedef_from_node(node_data, children):
    if node_data is None:
        if children:
            raise ValueError("a leaf treedef has no children")
        return PyTreeDef([None], 1)
    node_type, aux = node_data
    kind = _kind_of(node_type)
    if kind is None:
        raise ValueError(f"{node_type} is not a registered pytree node type")
    nodes = []
    for c in children:
        nodes.extend(c._nodes)
    nodes.append((len(children), kind, aux))
    return PyTreeDef(nodes, sum(c.num_leaves for c in children))


def build_tree(treedef, xs):
    """Build a tree of `treedef`'s structure from nested iterables: at a leaf, `xs` itself;
    at a node, `xs` iterates over the children's values.

    >>> build_tree(tree_structure({'a': 0, 'b': (0, 0)}), [1, [2, 3]])
    {'a': 1, 'b': (2, 3)}
    """
    def build(spec, x):
        if spec is None:
            return x
        (n, kind, aux), subspecs = spec
        values = list(x)
        if len(values) != n:
            raise ValueError(f"build_tree: expected {n} children for {kind.type}, got {len(values)}")
        ch = [build(s, v) for s, v in zip(subspecs, values)]
        return kind.build(aux, ch)
    return build(treedef._nested(), xs)


# ----------------------------------------------------------------------------- Partial

class _HashablePartialShim:
    """Wraps a functools.partial passed to Partial so functools does not merge its
    (static) arguments into the Partial's (dynamic) children."""
    __slots__ = ("partial",)

    def __init__(self, partial):
        self.partial = partial

    def __call__(self, *args, **kwargs):
        return self.partial(*args, **kwargs)

    def __eq__(self, other):
        if isinstance(other, _HashablePartialShim):
            other = other.partial
        return self.partial == other

    def __hash__(self):
        return hash(self.partial)


class Partial(functools.partial):
    """A functools.partial that is a pytree: `func` is static (aux data), the bound
    positional and keyword arguments are children. Handy for passing functions with
    array arguments through jit/vmap/grad.

    >>> tree_leaves(Partial(max, 1, 2))
    [1, 2]
    """

    def __new__(cls, func, *args, **kwargs):
        if isinstance(func, functools.partial):
            func = _HashablePartialShim(func)
        return super().__new__(cls, func, *args, **kwargs)


register_pytree_node(
    Partial, lambda p: ((p.args, p.keywords), p.func),
    lambda func, xs: Partial(func, *xs[0], **xs[1]))
