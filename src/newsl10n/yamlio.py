"""Safe YAML loading that keeps locale codes such as ``no`` as strings.

PyYAML follows YAML 1.1, where ``no``, ``off``, ``yes`` and ``on`` are booleans. A glossary keyed by
locale would silently lose Norwegian. This loader resolves only ``true``/``false`` as booleans
(the YAML 1.2 core schema). :func:`load_yaml_nodes` also returns the node tree, so that errors can
name the line of any key or item (:func:`node_line`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TextIO

import yaml

from .errors import ConfigError


class StrictBoolLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml_nodes(
    text: str, *, source: str, error: type[Exception] = ConfigError
) -> tuple[Any, yaml.Node | None]:
    """Like :func:`load_yaml`, also returning the document's node tree (None for an empty file)."""
    try:
        loader = StrictBoolLoader(text)
    except yaml.YAMLError as exc:  # a control character: the reader checks the text up front
        raise _yaml_error(exc, source, error) from None
    try:
        node = loader.get_single_node()
        _check_expansion(node, source, error)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, error) from None
    except RecursionError:
        line = loader.get_mark().line + 1
        raise error(f"{source}:{line}: malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return data, node


MAX_ALIAS_NODES = 10_000
"""How many nodes aliases may add to a document beyond its own: far more than a glossary or a
pipeline.yaml uses, far fewer than an alias bomb (9 levels of 9 aliases: 387 million)."""


def _check_expansion(root: yaml.Node | None, source: str, error: type[Exception]) -> None:
    """Refuse a document whose aliases expand it by more than :data:`MAX_ALIAS_NODES` nodes:
    every consumer (validation, duplicate keys, hashing) would walk the expansion."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    distinct = 0
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done and children:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        distinct += 1
        sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
        if sizes[id(node)] > distinct + MAX_ALIAS_NODES:
            line = node.start_mark.line + 1
            raise error(f"{source}:{line}: YAML aliases expand to more than {MAX_ALIAS_NODES:,} extra nodes; write the values out")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def node_line(root: yaml.Node | None, path: Sequence[str | int]) -> int:
    """1-based line of the item at ``path`` (mapping keys and sequence indexes).

    A mapping key's own line is returned for the last step, so "unknown key" points at the key;
    where the path leaves the tree (a missing key) the line of the deepest node found.
    """
    if root is None:
        return 1
    node = root
    line = node.start_mark.line
    for i, part in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line = key.start_mark.line if i == len(path) - 1 else value.start_mark.line
                    node = value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def duplicate_keys(root: yaml.Node | None) -> list[tuple[str, int]]:
    """Keys given twice in one mapping (PyYAML keeps the last silently), with the later line."""
    found: list[tuple[str, int]] = []
    stack = [root] if root is not None else []
    visited: set[int] = set()  # a node reached again through an alias is checked once
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((key.value, key.start_mark.line + 1))
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(found, key=lambda item: item[1])


def load_yaml(stream: str | TextIO, *, source: str, error: type[Exception] = ConfigError) -> Any:
    """Parse YAML safely; a syntax error, a key given twice, an alias bomb or nesting too deep
    becomes ``error`` naming ``source`` and the line."""
    text = stream if isinstance(stream, str) else stream.read()
    data, root = load_yaml_nodes(text, source=source, error=error)
    twice = duplicate_keys(root)
    if twice:
        key, line = twice[0]
        raise error(f"{source}:{line}: key {key!r} given twice")
    return data


def _yaml_error(exc: yaml.YAMLError, source: str, error: type[Exception]) -> Exception:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        return error(f"{where}: malformed YAML: {exc.problem or exc.context}")
    if isinstance(exc, yaml.reader.ReaderError):
        where = f"character #x{exc.character:04x} at offset {exc.position}"
        return error(f"{source}: malformed YAML: {exc.reason} ({where})")
    return error(f"{source}: malformed YAML: {' '.join(str(exc).split())}")
