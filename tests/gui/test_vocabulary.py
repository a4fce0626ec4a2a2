"""The window speaks the engine's one vocabulary, and knows no lesson module.

Read from the sources with ``ast`` (nothing is imported from ``gui/``):

* no module under ``gui/`` imports ``engine.lessons`` or anything in it;
* every key the window reads from an event's ``data`` (``x[key]``,
  ``x.get(key)``, ``key in x``) is a constant of ``engine/vocabulary.py``
  declared in its ``KEYS``, and never a string literal;
* every comparison of ``event.kind`` uses a kind of the vocabulary;
* the vocabulary's docstring gives each kind and key a line of meaning.

The checker is tried on small bad sources too, so that it is seen to fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine import vocabulary

GUI = Path(__file__).resolve().parents[2] / "gui"
VOCAB_MODULE = "engine.vocabulary"
LESSONS_PACKAGE = "engine.lessons"

# Names a module of gui/ gives to an event's data dict (or a part of it: a
# scan's progress, a result, an arrow's info). A key read from one of these
# must come from the vocabulary. ``<x>.data`` counts whatever ``x`` is.
EVENT_DATA_NAMES = frozenset({"data", "info", "result", "last_result", "progress"})


def gui_sources() -> list[Path]:
    return sorted(GUI.rglob("*.py"))


# -- imports of lesson modules ------------------------------------------------------------
def lesson_imports(source: str) -> list[str]:
    """Each import of ``engine.lessons`` (or a module in it) in ``source``, as text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif is_import_by_name(node):
            names = [import_by_name_prefix(node.args[0])]
        else:
            continue
        if any(name == LESSONS_PACKAGE or name.startswith(LESSONS_PACKAGE + ".")
               for name in names):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def is_import_by_name(node: ast.AST) -> bool:
    """``importlib.import_module(...)`` or ``__import__(...)`` with a written name."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__") \
        and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))


def import_by_name_prefix(arg: ast.expr) -> str:
    """The written start of a module name: all of "a.b", or "a.b." of f"a.b.{x}"."""
    if isinstance(arg, ast.Constant):
        return str(arg.value)
    head = arg.values[0] if arg.values else None
    return str(head.value) if isinstance(head, ast.Constant) else ""


# -- reads of event data --------------------------------------------------------------------
def vocab_aliases(tree: ast.AST) -> set[str]:
    """The names under which a module imported engine/vocabulary.py (``vocab``)."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "engine":
            aliases |= {a.asname or a.name for a in node.names if a.name == "vocabulary"}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name == VOCAB_MODULE and a.asname}
    return aliases


def is_event_data(node: ast.expr) -> bool:
    """Whether ``node`` names an event's data: ``event.data``, ``data``, ``self.result``..."""
    if isinstance(node, ast.Attribute):
        return node.attr == "data" or node.attr in EVENT_DATA_NAMES
    return isinstance(node, ast.Name) and node.id in EVENT_DATA_NAMES


def key_reads(tree: ast.AST):
    """(line, receiver, key expression) of each ``r[k]``, ``r.get(k)`` and ``k in r``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            yield node.lineno, node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and node.args:
            yield node.lineno, node.func.value, node.args[0]
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 \
                and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            yield node.lineno, node.comparators[0], node.left


def vocab_constant(node: ast.expr, aliases: set[str]) -> str | None:
    """``FOO`` for ``vocab.FOO``, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id in aliases:
        return node.attr
    return None


def undeclared_reads(source: str) -> list[str]:
    """Each data key or kind in ``source`` that does not come from the vocabulary."""
    tree = ast.parse(source)
    aliases = vocab_aliases(tree)
    problems = []
    for line, receiver, key in key_reads(tree):
        name = vocab_constant(key, aliases)
        if name is not None:
            value = getattr(vocabulary, name, None)
            if value not in vocabulary.KEYS:
                problems.append(f"line {line}: vocab.{name} is not a data key of "
                                f"engine/vocabulary.py (KEYS)")
        elif is_event_data(receiver) and isinstance(key, ast.Constant):
            problems.append(f"line {line}: {ast.unparse(receiver)}[{key.value!r}] reads "
                            f"event data with a literal; use engine/vocabulary.py")
    problems += undeclared_kinds(tree, aliases)
    return problems


def undeclared_kinds(tree: ast.AST, aliases: set[str]) -> list[str]:
    """Comparisons of ``<x>.kind`` with a literal, or with a vocabulary name not a kind."""
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
                and node.left.attr == "kind"):
            continue
        if isinstance(node.left.value, ast.Name) and node.left.value.id == "spec":
            continue   # a parameter's kind ("folder"), not an event's
        for right in node.comparators:
            items = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
            for item in items:
                name = vocab_constant(item, aliases)
                if isinstance(item, ast.Constant) or (
                        name is not None and getattr(vocabulary, name, None)
                        not in vocabulary.KINDS):
                    problems.append(f"line {node.lineno}: {ast.unparse(node)} compares a kind "
                                    f"not taken from engine/vocabulary.py's KINDS")
    return problems


# -- the rules, on the real gui/ -----------------------------------------------------------
@pytest.mark.parametrize("path", gui_sources(), ids=lambda p: str(p.relative_to(GUI.parent)))
def test_no_gui_module_imports_a_lesson(path):
    assert lesson_imports(path.read_text(encoding="utf-8")) == [], \
        f"{path}: the window must not import a lesson module (use engine/ shared modules)"


@pytest.mark.parametrize("path", gui_sources(), ids=lambda p: str(p.relative_to(GUI.parent)))
def test_gui_reads_event_data_through_the_vocabulary(path):
    assert undeclared_reads(path.read_text(encoding="utf-8")) == []


def test_the_gui_does_read_through_the_vocabulary():
    """The rule above checks something: the window's readers do use the vocabulary."""
    readers = [path for path in gui_sources()
               if vocab_aliases(ast.parse(path.read_text(encoding="utf-8")))]
    names = {p.relative_to(GUI).as_posix() for p in readers}
    assert {"lesson_tab.py", "lessons/filescan.py", "lessons/pipes.py", "lessons/sockets.py",
            "lessons/signals.py", "widgets/lanes.py", "widgets/seqdiagram.py"} <= names


def test_every_kind_and_key_has_a_line_in_the_docstring():
    doc = vocabulary.__doc__
    described = set(re.findall(r"^\* ``([a-z_]+)``: \S", doc, flags=re.MULTILINE))
    missing = sorted((set(vocabulary.KINDS) | vocabulary.KEYS
                      | set(vocabulary.LANE_STATES)) - described)
    assert missing == [], f"engine/vocabulary.py's docstring lacks a line for {missing}"


def test_every_declared_key_is_one_the_engine_sends():
    """A key in the vocabulary that no engine module puts in a dict is stale or misspelt."""
    sent = set()
    for path in (GUI.parent / "engine").rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):      # {"lane": ...} or {v.LANE: ...}
                sent |= {k.value for k in node.keys if isinstance(k, ast.Constant)}
                sent |= {getattr(vocabulary, k.attr) for k in node.keys
                         if isinstance(k, ast.Attribute) and isinstance(k.value, ast.Name)
                         and k.value.id in ("v", "vocabulary") and hasattr(vocabulary, k.attr)}
            elif isinstance(node, ast.Call):    # arrow("error", ..., error=problem)
                sent |= {k.arg for k in node.keywords if k.arg}
    assert sorted(vocabulary.KEYS - sent) == []


def test_events_use_the_vocabulary_kinds():
    from engine import events
    assert events.KINDS is vocabulary.KINDS


# -- the checker fails where it should -------------------------------------------------------
BAD_READS = '''
from engine import vocabulary as vocab
def on_events(self, events):
    for event in events:
        if event.kind == "result":                # a literal kind
            self.n = event.data["undeclared"]     # a literal key
        data = event.data
        size = data.get("size")                   # a literal key in a local
        if "lane" in data:                        # declared, but still a literal
            pass
        self.result[vocab.KINDS]                  # not a data key
        event.kind in (vocab.DONE, vocab.LANE)    # LANE is not a kind
'''

GOOD_READS = '''
from engine import vocabulary as vocab
def on_events(self, events):
    for event in events:
        if event.kind == vocab.RESULT and vocab.CHUNK in event.data:
            self.n = event.data[vocab.CHUNK]
        self.settings["theme"]                    # not event data: anything goes
        spec.kind == "folder"
'''


def test_checker_reports_literal_and_undeclared_reads():
    problems = undeclared_reads(BAD_READS)
    lines = sorted(int(p.split(":")[0].split()[1]) for p in problems)
    assert lines == [5, 6, 8, 9, 11, 12], problems


def test_checker_accepts_vocabulary_reads():
    assert undeclared_reads(GOOD_READS) == []


@pytest.mark.parametrize("source", [
    "from engine.lessons.filescan import human",
    "import engine.lessons.filescan",
    "from engine.lessons import filescan",
    "import importlib\nimportlib.import_module(f'engine.lessons.{lesson_id}')",
])
def test_checker_reports_lesson_imports(source):
    assert len(lesson_imports(source)) == 1


def test_checker_accepts_shared_engine_imports():
    assert lesson_imports("from engine import catalog\nfrom engine.formatting import human_size"
                          "\nfrom engine import vocabulary as vocab") == []
