"""A small typed filter tree, translated per backend.

Only fields that every backend stores as filterable scalars may be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

FilterField = Literal["document_id", "source", "version", "section", "page_start", "page_end", "chunk_id"]
Scalar = Union[str, int]


@dataclass(frozen=True, slots=True)
class Eq:
    field: FilterField
    value: Scalar


@dataclass(frozen=True, slots=True)
class In:
    field: FilterField
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class And:
    children: tuple["Filter", ...]


Filter = Union[Eq, In, And]


def _sql_literal(value: Scalar) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not filterable values")
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def to_sql(node: Filter) -> str:
    """SQL predicate (DataFusion dialect, as LanceDB uses)."""
    if isinstance(node, Eq):
        return f"{node.field} = {_sql_literal(node.value)}"
    if isinstance(node, In):
        if not node.values:
            return "FALSE"
        return f"{node.field} IN ({', '.join(_sql_literal(v) for v in node.values)})"
    if isinstance(node, And):
        if not node.children:
            return "TRUE"
        return " AND ".join(f"({to_sql(child)})" for child in node.children)
    raise TypeError(f"not a filter node: {node!r}")


def matches(node: Filter, row: dict[str, object]) -> bool:
    """Evaluate a filter against one row; the reference semantics for every backend."""
    if isinstance(node, Eq):
        return row.get(node.field) == node.value
    if isinstance(node, In):
        return row.get(node.field) in node.values
    if isinstance(node, And):
        return all(matches(child, row) for child in node.children)
    raise TypeError(f"not a filter node: {node!r}")
