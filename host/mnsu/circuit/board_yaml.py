"""The YAML reader of board files: safe, strict and bounded.

On top of yaml.SafeLoader (no Python objects): a key given twice in one mapping is an error
(not "the last one wins"), at most MAX_ALIASES aliases per document (a few kilobytes of nested
aliases would otherwise expand to gigabytes), at most MAX_DEPTH levels of nesting, and no
YAML 1.1 base-60 numbers (`1:30` stays the text "1:30" instead of becoming 90).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_ALIASES = 16
MAX_DEPTH = 32


class BoardYamlError(ValueError):
    """A board file's YAML breaks one of the rules above (the message says where)."""


class _Resolver(yaml.resolver.Resolver):
    pass


# PyYAML's YAML 1.1 int and float patterns without their base-60 alternatives.
_INT = r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$"""
_FLOAT = r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$"""
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(_NUMBER_TAGS[0], re.compile(_INT, re.X), list("-+0123456789"))  # type: ignore[no-untyped-call]
_Resolver.add_implicit_resolver(_NUMBER_TAGS[1], re.compile(_FLOAT, re.X), list("-+0123456789."))  # type: ignore[no-untyped-call]


class StrictLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):  # type: ignore[no-untyped-call]
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise BoardYamlError(
                    f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name) in one file"
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise BoardYamlError(f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: SafeConstructor reports it
                    continue
                if first is not None:
                    raise BoardYamlError(
                        f"line {key_node.start_mark.line + 1}: key {key!r} given twice "
                        f"(first on line {first})"
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Parse one YAML document with the rules above (BoardYamlError or yaml.YAMLError)."""
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
