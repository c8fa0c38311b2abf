"""Safe YAML loading that keeps locale codes such as ``no`` as strings.

PyYAML follows YAML 1.1, where ``no``, ``off``, ``yes`` and ``on`` are booleans. A glossary keyed by
locale would silently lose Norwegian. This loader resolves only ``true``/``false`` as booleans
(the YAML 1.2 core schema) and records the line of every mapping key for error messages.
"""

from __future__ import annotations

import re
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


def load_yaml(stream: str | TextIO, *, source: str, error: type[Exception] = ConfigError) -> Any:
    """Parse YAML safely; a syntax error becomes ``error`` naming ``source`` and the line."""
    try:
        return yaml.load(stream, Loader=StrictBoolLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise error(f"{where}: malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: malformed YAML: {exc}") from None
