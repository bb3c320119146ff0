"""The node catalogue: node types by n8n type name, each declared once."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from relayflow.engine.nodes.base import NodeType

_TYPES: dict[str, NodeType] = {}


def register(cls: type[NodeType]) -> type[NodeType]:
    """Class decorator: add a node type to the catalogue."""
    instance = cls()
    if cls.type_name in _TYPES:
        raise RuntimeError(f"node type {cls.type_name} declared twice")
    _TYPES[cls.type_name] = instance
    return cls


@cache
def _load() -> None:
    from relayflow.engine.nodes import core

    for module in pkgutil.iter_modules(core.__path__):
        importlib.import_module(f"{core.__name__}.{module.name}")


def node_type(type_name: str) -> NodeType | None:
    """The node type called `type_name`, if Relayflow has it."""
    _load()
    return _TYPES.get(type_name)


def all_types() -> dict[str, NodeType]:
    """Every known node type."""
    _load()
    return dict(_TYPES)
