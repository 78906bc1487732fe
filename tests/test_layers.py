"""The data flow runs one way: ontology ← extract ← graph ← app.py; heavy libraries live in one module each."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"ontology": set(), "extract": {"ontology"}, "graph": {"ontology", "extract"}}
ONLY_IN = {"jieba": {"extract/segment.py"}, "streamlit": {"app.py"}, "pyvis": {"graph/viz.py"}}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


FILES = sorted(p for d in LAYERS for p in (ROOT / d).rglob("*.py")) + [ROOT / "app.py"]


@pytest.mark.parametrize("path", [p for p in FILES if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_import_only_to_their_left(path):
    rel = str(path.relative_to(ROOT))
    layer = rel.split("/")[0]
    mods = imports(path)
    if layer in LAYERS:
        forbidden = (set(LAYERS) | {"app"}) - LAYERS[layer] - {layer}
        assert not (mods & forbidden), f"{rel} imports {mods & forbidden}"
    for lib, allowed in ONLY_IN.items():
        if lib in mods:
            assert rel in allowed, f"{lib} is imported in {rel}; it belongs in {allowed}"


def test_nothing_heavy_happens_at_import():
    code = ("import sys, extract.pipeline, extract.cli, extract.serialize, graph.cli; "
            "print(sorted(m for m in ('jieba', 'rdflib', 'streamlit', 'pyvis', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


# Inner floors of graph/: who may import whom inside the package.

GRAPH = ROOT / "graph"


def graph_imports(path: Path) -> set[str]:
    """Return the graph modules a file imports (graph.x, .x, ..x), as dotted names under graph."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = here.rsplit(".", 1)[0] if path.name != "__init__.py" else here
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("graph"):
                continue
            names = [f"{mod}.{a.name}" for a in node.names]
            out.update(n for n in names if (ROOT / (n.replace(".", "/") + ".py")).exists()
                       or (ROOT / n.replace(".", "/")).is_dir())
            out.add(mod)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("graph"))
    return {m for m in out if m not in ("graph", here)}


MODULES = {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in sorted(GRAPH.rglob("*.py"))}
FLOORS = [  # (modules, what they must never import)
    (lambda m: m.startswith("graph.views"), lambda i: i == "graph.cli" or i.startswith("graph.cli")),
    (lambda m: m in ("graph.store", "graph.build", "graph.backend", "graph.model"), lambda i: i.startswith("graph.views")),
    (lambda m: m == "graph.viz", lambda i: i in ("graph.query", "graph.backend", "graph.store", "graph.build")
     or i.startswith("graph.views")),
]


@pytest.mark.parametrize("name", list(MODULES))
def test_inner_floors_of_graph(name):
    mods = graph_imports(MODULES[name])
    for applies, forbidden in FLOORS:
        if applies(name):
            assert not [m for m in mods if forbidden(m)], f"{name} imports {sorted(m for m in mods if forbidden(m))}"
    if name.startswith("graph.views"):
        assert "streamlit" not in imports(MODULES[name])


@pytest.mark.parametrize("path", [p for p in FILES if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_is_imported_from_another_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
           and (n.level or (n.module or "").split(".")[0] in LAYERS) for a in n.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, f"{path.relative_to(ROOT)} imports private names {bad}"


def test_the_import_graph_of_graph_has_no_cycle():
    edges = {name: {m for m in graph_imports(p) if m in MODULES} for name, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for m in sorted(edges[n]):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path, n, m]))
            if m not in state:
                visit(m, [*path, n])
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n, [])


def test_the_app_imports_only_the_query_layer_the_views_viz_and_tables():
    """app.py draws widgets: what it shows comes from graph.query, graph.views, graph.viz and extract.tables."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    ours = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LAYERS:
            ours.update(f"{node.module}.{a.name}" if node.module in ("graph", "extract", "graph.views") else node.module
                        for a in node.names)
        elif isinstance(node, ast.Import):
            ours.update(a.name for a in node.names if a.name.split(".")[0] in LAYERS)
    allowed = ("graph.query", "graph.viz", "extract.tables")
    assert ours and all(m in allowed or m.startswith("graph.views.") for m in ours), sorted(ours)
