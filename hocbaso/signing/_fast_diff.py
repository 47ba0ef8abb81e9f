"""A faster, identical map of object paths for pyHanko's difference analysis.

pyHanko decides whether what was appended after a signature is allowed (form filling, new
signatures, validation data) by diffing the signed revision against each later one. For that
it maps, in the signed revision, every indirect object to every path by which it is reached
from the trailer (``HistoricalResolver._load_reverse_xref_cache``) — the largest single cost
of a verification (about 40 % of `verify_pdf` on the signed year page, bench/bench_sign.py).
pyHanko's walk recurses into every value, numbers included (a font's ``/W`` and ``/Widths``
arrays hold hundreds), building a linked-list path node for each, and it hashes and compares
those linked lists recursively.

`load_reverse_xref_cache` is the same walk, rule for rule (canonical page-tree paths,
``/Parent`` skipped, the structure tree entered only through ``/StructTreeRoot /K``, its
``/P`` skipped, no cycles along a path), with two changes that cannot change its result:

* values that are neither indirect references, dictionaries (streams included) nor arrays are
  not visited: pyHanko's walk does nothing with them (an array whose elements are all of other
  types is not even iterated in Python);
* paths are tuples, the references on the current path a set (added on the way down, removed
  on the way back), instead of linked lists.

`subsume_object` replaces ``HistoricalResolver._subsume_object``, which copies every object
read for a revision so that its references resolve in that revision: the same copies, but
numbers, names, strings and the like (immutable, handed back unchanged by pyHanko) are kept
without a call per value. Together: ~15 % of a verification (bench A/B, same process); most of
what remains of the walk is pyHanko parsing the objects (see `_fast_parse`).

The map and the copies are equal to pyHanko's (hocbaso/signing/tests/test_fast_paths.py compares
both on signed, tampered, tagged and untagged files). Nothing is shared between files or
revisions: every verification is analysed from scratch, as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath

ORIGINAL = HistoricalResolver._load_reverse_xref_cache
ORIGINAL_SUBSUME = HistoricalResolver._subsume_object
_installed = False

_Path = tuple[str | int, ...]


def load_reverse_xref_cache(self: HistoricalResolver) -> None:
    """Replacement of ``HistoricalResolver._load_reverse_xref_cache`` (same result)."""
    if self._indirect_object_access_cache is not None:
        return

    collected: defaultdict[generic.Reference, set[_Path]] = defaultdict(set)
    indirect = generic.IndirectObject
    dictionary = generic.DictionaryObject
    array = generic.ArrayObject
    containers = (indirect, dictionary, array)
    on_path: set[generic.Reference] = set()
    struct_root_path: _Path = ("/Root", "/StructTreeRoot")
    resolve = _raw_resolver(self)

    def walk(
        obj: Any,
        path: _Path,
        page_tree_objs: dict[generic.Reference, _Path],
        is_struct_tree: bool,
        struct_tree_objs: set[generic.Reference],
    ) -> None:
        added = None
        if isinstance(obj, indirect):
            obj_ref = obj.reference
            if obj_ref in on_path:
                return
            collected[obj_ref].add(path)
            obj = resolve(obj_ref)
            if page_tree_objs.get(obj_ref, path) != path:
                return
            if not is_struct_tree and obj_ref in struct_tree_objs:
                return
            on_path.add(obj_ref)
            added = obj_ref
        try:
            if isinstance(obj, dictionary):
                for k, v in obj.items():
                    if k == "/Parent" or (is_struct_tree and k == "/P"):
                        continue
                    if isinstance(v, containers):
                        walk(
                            v,
                            (*path, k),
                            page_tree_objs,
                            is_struct_tree or (k == "/K" and path == struct_root_path),
                            struct_tree_objs,
                        )
            elif isinstance(obj, array) and _may_hold_containers(obj, containers):
                for ix, v in enumerate(obj):
                    if isinstance(v, containers):
                        walk(v, (*path, ix), page_tree_objs, is_struct_tree, struct_tree_objs)
        finally:
            if added is not None:
                on_path.discard(added)

    def page_tree_refs(pages_obj: Any, path: _Path) -> Iterator[tuple[generic.Reference, _Path]]:
        for ix, kid in enumerate(pages_obj["/Kids"]):
            kid_path = (*path, "/Kids", ix)
            if isinstance(kid, generic.IndirectObject):
                yield kid.reference, kid_path
            kid = kid.get_object()
            if kid.get("/Type", None) == "/Pages":
                yield from page_tree_refs(kid, kid_path)

    def struct_tree_refs(struct_elem: Any) -> Iterator[generic.Reference]:
        try:
            children = struct_elem["/K"]
        except KeyError:
            return
        if not isinstance(children, generic.ArrayObject):
            children = (children,)
        for child in children:
            child_ref = None
            if isinstance(child, generic.IndirectObject):
                child_ref = child.reference
                child = child.get_object()
            if not isinstance(child, generic.DictionaryObject):
                continue
            try:
                if child["/Type"] != "/StructElem":
                    continue
            except KeyError:
                pass
            if child_ref is not None:
                yield child_ref
            yield from struct_tree_refs(child)

    pages_ref = self.root.raw_get("/Pages")
    pages_path: _Path = ("/Root", "/Pages")
    page_tree_nodes: dict[generic.Reference, _Path] = {}
    if isinstance(pages_ref, generic.IndirectObject):
        page_tree_nodes[pages_ref.reference] = pages_path
    for ref, path in page_tree_refs(pages_ref.get_object(), pages_path):
        if ref in page_tree_nodes:
            raise misc.PdfReadError("Circular reference in page tree in mapping stage")
        page_tree_nodes[ref] = path
    struct_tree_nodes: set[generic.Reference] = set()
    try:
        struct_tree_root = self.root.raw_get("/StructTreeRoot").get_object()
        for ref in struct_tree_refs(struct_tree_root):
            if ref in struct_tree_nodes:
                raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
            struct_tree_nodes.add(ref)
    except KeyError:
        pass
    walk(self.trailer_view, (), page_tree_nodes, False, struct_tree_nodes)

    self._indirect_object_access_cache = {
        ref: {RawPdfPath(*p) for p in paths} for ref, paths in collected.items()
    }


def _may_hold_containers(array: Any, containers: tuple[type, ...]) -> bool:
    """False for an array of numbers (a font's widths: hundreds of them), found without a
    Python step per element: its element types are gathered first."""
    return any(issubclass(kind, containers) for kind in set(map(type, array)))


def _raw_resolver(self: HistoricalResolver) -> Any:
    """The objects of the revision as the walk needs them (only their structure).

    An object unchanged since this revision is the reader's own parsed object — what
    ``HistoricalResolver.get_object`` would copy (``_subsume_object``) so that its references
    resolve in this revision: the walk only reads keys, values and reference numbers, which the
    copy shares, and References compare without their handler. Not copying the ~50 objects of
    each walked revision (the fonts' width arrays among them) saves that work; an object the
    revision reads from its own past (changed later) and every object of an encrypted file go
    through ``get_object`` as before, and later readers of the revision get the usual copies.
    """
    reader = self.reader
    if reader.encrypted:
        return self
    cache = self.cache
    revision = self.revision
    xrefs = reader.xrefs

    shared: dict[generic.Reference, Any] = {}

    def resolve(ref: generic.Reference) -> Any:
        obj = cache.get(ref)
        if obj is None:
            obj = shared.get(ref)
        if obj is not None:
            return obj
        try:
            last_change = xrefs.get_last_change(ref)
        except KeyError:
            return self(ref)
        if last_change is not None and last_change <= revision:
            obj = shared[ref] = reader.get_object(ref, transparent_decrypt=False)
            return obj
        return self(ref)

    return resolve


_PRIMITIVES = frozenset(
    {
        generic.NumberObject,
        generic.FloatObject,
        generic.NameObject,
        generic.TextStringObject,
        generic.ByteStringObject,
        generic.BooleanObject,
        generic.NullObject,
    }
)


def subsume_object(self: HistoricalResolver, obj: Any) -> Any:
    """Replacement of ``HistoricalResolver._subsume_object`` (same result).

    pyHanko's version calls itself for every value of a dictionary or array, numbers
    included, only to hand a primitive back unchanged; this one hands back values of the
    plain primitive types directly (when they carry their container reference, as every
    value read from a file does; otherwise pyHanko's function runs and raises as before).
    """
    if isinstance(obj, generic.DecryptedObjectProxy) or not isinstance(
        obj, (generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject)
    ):
        return ORIGINAL_SUBSUME(self, obj)
    container_ref = obj.get_container_ref()
    container_ref = generic.Reference(
        idnum=container_ref.idnum, generation=container_ref.generation, pdf=self
    )
    if isinstance(obj, generic.IndirectObject):
        return generic.IndirectObject(idnum=obj.idnum, generation=obj.generation, pdf=self)
    primitives = _PRIMITIVES
    subsume = self._subsume_object
    result: Any
    if isinstance(obj, generic.ArrayObject):
        result = generic.ArrayObject(
            [
                v if type(v) in primitives and v.container_ref is not None else subsume(v)
                for v in obj
            ]
        )
    else:
        values = {
            k: v if type(v) in primitives and v.container_ref is not None else subsume(v)
            for k, v in obj.items()
        }
        if isinstance(obj, generic.StreamObject):
            result = generic.StreamObject(values, encoded_data=obj.encoded_data)
        else:
            result = generic.DictionaryObject(values)
    result.container_ref = container_ref
    return result


def install() -> None:
    global _installed
    if not _installed:
        HistoricalResolver._load_reverse_xref_cache = load_reverse_xref_cache  # type: ignore[method-assign]
        HistoricalResolver._subsume_object = subsume_object  # type: ignore[method-assign]
        _installed = True


def uninstall() -> None:
    """Back to pyHanko's own walk (tests compare both)."""
    global _installed
    HistoricalResolver._load_reverse_xref_cache = ORIGINAL  # type: ignore[method-assign]
    HistoricalResolver._subsume_object = ORIGINAL_SUBSUME  # type: ignore[method-assign]
    _installed = False
