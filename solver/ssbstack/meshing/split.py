"""Split an interface of a generated gmsh mesh so its two layers no longer share nodes (rank 0).

Mechanics with frictionless (and opening) Li | SE contact needs the two sides of the interface to
move independently. :func:`split_interface` duplicates every node of the interface's contact and
void facets: the upper layer keeps the original nodes and facet groups (``100 + k``, ``200 + k``);
the lower layer's cells, and its own outer facets (sides, axis) that touch the interface, are
renumbered to the copies, and copies of the interface facets on the copies are put in the groups
``300 + k`` (contact) and ``400 + k`` (void). The two facet sets coincide node by node, which is
what the node-to-node contact of :mod:`ssbstack.numerics.contact` pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.meshing.tags import Interface, TagTable


def _elements(model: Any, dim: int, entity: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(type, element tags, node tags (elements × nodes)) of one entity."""
    types, element_tags, node_tags = model.mesh.getElements(dim, entity)
    return [(int(kind), np.asarray(tags), np.asarray(nodes, dtype=np.int64).reshape(len(tags), -1))
            for kind, tags, nodes in zip(types, element_tags, node_tags, strict=True)]


def _renumber(model: Any, dim: int, entity: int, copy_of: dict[int, int]) -> None:
    """Replace the nodes of ``entity``'s elements by their copies where they have one."""
    blocks = _elements(model, dim, entity)
    if not any(np.isin(nodes, list(copy_of)).any() for _, _, nodes in blocks):
        return
    model.mesh.removeElements(dim, entity)
    for kind, tags, nodes in blocks:
        mapped = np.vectorize(lambda n: copy_of.get(int(n), int(n)), otypes=[np.int64])(nodes)
        model.mesh.addElementsByType(entity, kind, tags.tolist(), mapped.ravel().tolist())


def split_interface(model: Any, dim: int, tags: TagTable, item: Interface) -> int:
    """Duplicate the nodes of ``item`` (contact and void facets) for its lower layer.

    Returns the number of duplicated nodes. Call after the mesh is generated (and roughened).
    """
    groups = {tag: list(model.getEntitiesForPhysicalGroup(dim - 1, tag))
              for tag in (item.contact_tag, item.void_tag)
              if (dim - 1, tag) in model.getPhysicalGroups(dim - 1)}
    facet_blocks = {tag: [block for e in entities for block in _elements(model, dim - 1, e)]
                    for tag, entities in groups.items()}
    shared = np.unique(np.concatenate([nodes.ravel() for blocks in facet_blocks.values()
                                       for _, _, nodes in blocks] or [np.zeros(0, np.int64)]))
    if shared.size == 0:
        return 0
    all_tags, all_coords, _ = model.mesh.getNodes()
    position = {int(t): i for i, t in enumerate(all_tags)}
    coords = np.asarray(all_coords).reshape(-1, 3)[[position[int(n)] for n in shared]]
    first = int(model.mesh.getMaxNodeTag()) + 1
    copies = np.arange(first, first + shared.size, dtype=np.int64)
    copy_of = dict(zip(shared.tolist(), copies.tolist(), strict=True))

    lower_volumes = set(model.getEntitiesForPhysicalGroup(dim, tags.cell(item.lower)))
    model.mesh.addNodes(dim, min(lower_volumes), copies.tolist(), coords.ravel().tolist())
    for volume in lower_volumes:
        _renumber(model, dim, volume, copy_of)
    interface_entities = {e for entities in groups.values() for e in entities}
    for _, facet in model.getEntities(dim - 1):
        if facet in interface_entities:
            continue
        above = set(model.getAdjacencies(dim - 1, facet)[0])
        if above and above <= lower_volumes:
            _renumber(model, dim - 1, facet, copy_of)

    next_element = int(model.mesh.getMaxElementTag()) + 1
    lower_tag = {item.contact_tag: item.lower_contact_tag, item.void_tag: item.lower_void_tag}
    for tag, blocks in facet_blocks.items():
        entity = model.addDiscreteEntity(dim - 1)
        for kind, element_tags, nodes in blocks:
            mapped = np.vectorize(copy_of.__getitem__, otypes=[np.int64])(nodes)
            new_tags = list(range(next_element, next_element + element_tags.size))
            next_element += element_tags.size
            model.mesh.addElementsByType(entity, kind, new_tags, mapped.ravel().tolist())
        name = item.name + (":lower" if tag == item.contact_tag else ":void:lower")
        model.addPhysicalGroup(dim - 1, [entity], tag=lower_tag[tag], name=name)
    return int(shared.size)
