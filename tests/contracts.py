"""An import-linter contract type for names rather than modules, run by `make lint` (`lint-imports`).

`django.db.connection` is an attribute of the module `django.db`, and import-linter knows external packages only by
their top-level name (`django`), so its built-in forbidden contract cannot single the connection out. This contract
reads the source of each module in `source_modules` and reports every place that reaches one of `forbidden_names`:
`from django.db import connection [as c]`, `from django import db` then `db.connection`, `import django.db` then
`django.db.connection`, at module level or inside a function.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.helpers import module_expressions_to_modules
from importlinter.domain.imports import ModuleExpression


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """`db.connection` → "django.db.connection" when `db` was bound by `from django import db`."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id], *reversed(parts)])


def forbidden_reaches(source: str, forbidden: frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) for every import of, or attribute path to, a forbidden name. Scopes are not told apart: a name
    bound by an import anywhere in the module counts everywhere, which can only report more, never less."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}
    reaches: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                bound[alias.asname or alias.name] = name
                if name in forbidden:
                    reaches.add((node.lineno, name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (dotted := _dotted(node, bound)) is not None and dotted in forbidden:
            reaches.add((node.lineno, dotted))
    return sorted(reaches)


def _source_of(module: str) -> str:
    root, *rest = module.split(".")
    spec = importlib.util.find_spec(root)
    assert spec is not None and spec.submodule_search_locations, f"{root} is not a package"
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return path.read_text(encoding="utf-8")


class ForbiddenNamesContract(Contract):
    """Modules matching `source_modules` never reach any of `forbidden_names` (dotted names of attributes)."""

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    forbidden_names = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        # import-linter replaces each field with its parsed value when it builds the contract; its types do not say so.
        source_modules = cast("list[ModuleExpression]", self.source_modules)
        forbidden = frozenset(cast("list[str]", self.forbidden_names))
        modules: set[str] = set()
        # A module named outright that no longer exists (renamed, split) would keep the contract by checking nothing.
        unmatched = []
        for expression in source_modules:
            matched = {m.name for m in module_expressions_to_modules(graph, [expression])}
            if not matched and "*" not in expression.expression:
                unmatched.append(expression.expression)
            modules |= matched
        violations = [
            (module, line, name)
            for module in sorted(modules)
            for line, name in forbidden_reaches(_source_of(module), forbidden)
        ]
        return ContractCheck(
            kept=not violations and not unmatched, metadata={"violations": violations, "unmatched": unmatched}
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for expression in check.metadata["unmatched"]:
            output.print_error(f"source_modules entry {expression} matches no module", bold=False)
        for module, line, name in check.metadata["violations"]:
            output.print_error(f"{module} (l.{line}) reaches {name}", bold=False)
        output.new_line()
