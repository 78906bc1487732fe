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
