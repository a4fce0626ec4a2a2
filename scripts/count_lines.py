"""How long is each lesson program? Code lines, as issue 15 counts them.

``python scripts/count_lines.py [FILE ...]`` prints a table for every
``engine/lessons/*/*.py`` (or the files given): its code lines (no docstring,
no blank line, no line that is only a comment), and of those the lines that
declare and read the settings (the ``parser`` and its ``add_argument`` lines
with the ``between`` checker, or the older ``SETTINGS`` literal and
``read_settings``), then the rest, the program proper ("core").

A line counts as code when a token other than a comment, a newline or an
indent starts or continues on it, outside a docstring (of the module, a class
or a function). The numbers compare with issue 15's "classic program" column.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "engine" / "lessons"
NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
SETTINGS_NAMES = {"SETTINGS", "read_settings", "parser", "between"}


def docstring_lines(tree: ast.Module) -> set[int]:
    """The lines of every docstring in the file."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def settings_lines(tree: ast.Module) -> set[int]:
    """The lines of the top-level statements that declare or read the settings."""
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef):
            names = {node.name}
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute):
            names = {node.value.func.attr.replace("add_argument", "parser")}
        else:
            names = set()
        if names & SETTINGS_NAMES:
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def code_lines(text: str) -> set[int]:
    """Lines where code is written (a token spanning lines counts on each of them)."""
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in NOT_CODE:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def count(path: Path) -> tuple[int, int]:
    """(code lines, of which settings lines) of one file."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    code = code_lines(text) - docstring_lines(tree)
    return len(code), len(code & settings_lines(tree))


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(LESSONS.glob("*/*.py"))
    rows = []
    for path in paths:
        code, settings = count(path)
        name = path.resolve().relative_to(LESSONS) if path.resolve().is_relative_to(LESSONS) \
            else path
        rows.append((str(name), code, settings, code - settings))
    width = max([len("file"), *(len(row[0]) for row in rows)])
    print(f"| {'file':<{width}} | code | settings | core |")
    print(f"|{'-' * (width + 2)}|------|----------|------|")
    for name, code, settings, core in rows:
        print(f"| {name:<{width}} | {code:>4} | {settings:>8} | {core:>4} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
