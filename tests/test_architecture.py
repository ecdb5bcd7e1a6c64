"""The import rules that keep the three parts apart (ARCHITECTURE.md, "What may import what").

Every ``import`` and ``from … import`` statement is read from the source with ``ast``, including
imports inside functions, so a lazy import cannot slip past.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """The absolute module names a Python file imports (relative imports are resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join(base + ([node.module] if node.module else [])))
            else:
                names.add(node.module)
    return names


def offenders(folder: str, forbidden: tuple[str, ...], allowed_files: tuple[str, ...] = ()) -> list[str]:
    """``file: module`` for each import under ``folder`` of a module in ``forbidden``."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if path.relative_to(ROOT).as_posix() in allowed_files:
            continue
        for name in sorted(imported_modules(path)):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)}: {name}")
    return found


RULES = {
    "the mock's backend never imports Flask or Werkzeug": ("mock_salesforce/backend", ("flask", "werkzeug"), ()),
    "the syncer never imports the mock": ("syncer", ("mock_salesforce",), ()),
    "the mock never imports the syncer": ("mock_salesforce", ("syncer",), ()),
    "the CDP never imports the Salesforce client": (
        "syncer/cdp", ("simple_salesforce", "syncer.salesforce", "syncer.sync", "requests"), ()),
    "the specs reach the syncer only through their adapter": ("features", ("syncer",), ("features/adapter.py",)),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_import_rule(rule):
    folder, forbidden, allowed = RULES[rule]
    assert offenders(folder, forbidden, allowed) == [], rule


def test_the_checker_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    """The rule checker itself: a function-level import and a relative import are both seen."""
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (package / "mod.py").write_text("def f():\n    import flask.json\n\nfrom ..other import thing\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert imported_modules(package / "mod.py") == {"flask.json", "pkg.other"}
    assert offenders("pkg", ("flask",)) == ["pkg/sub/mod.py: flask.json"]
