"""Generate a synthetic corpus from the seed plan: renamed agencies, resampled tasks.

    python bench/gen_corpus.py OUT_DIR [N]

Deterministic: document i is built from random.Random(i), so the same N gives the same files.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
RENAMABLE = ["市版权局", "市科技局", "市商务局", "市公安局", "市司法局", "市教育局", "市文化广电旅游局", "市发展改革委",
             "市地方金融监管局", "市农业农村局", "市国资委", "市贸促会", "市工商联"]
POOL = ["市财政局", "市统计局", "市人社局", "市工业和信息化局", "市委宣传部", "市法院", "市检察院"]


def seed_pieces():
    """Return the seed's parts with their sections and the task texts under each section."""
    sys.path.insert(0, str(ROOT))
    from extract.pipeline import extract_file

    x = extract_file(SEED)
    text = x.document.text
    parts = []
    for p in (s for s in x.sections if s.level == "part"):
        secs = []
        for s in (s for s in x.sections if s.parent == p.id):
            tasks = [text[u.span.start:u.span.end] for u in x.units if u.section == s.id and u.kind == "task"]
            if tasks:
                secs.append((s.heading.quote, tasks))
        if secs:
            parts.append((p.heading.quote, secs))
    return parts


def make_document(i: int, parts) -> str:
    """Return the text of synthetic document i."""
    rng = random.Random(i)
    rename = {name: rng.choice(POOL + [f"市第{rng.randint(1, 40)}局"]) for name in RENAMABLE if rng.random() < 0.4}
    lines = [f"某市第{i}号知识产权规划（合成文本）"]
    n = 0
    for heading, secs in parts:
        lines.append(heading)
        for sh, tasks in secs:
            lines.append(sh)
            for t in rng.sample(tasks, k=max(1, len(tasks) - rng.randint(0, 1))) + rng.sample(tasks, k=rng.randint(0, 1)):
                n += 1
                body = t.split(".", 1)[1] if "." in t[:4] else t
                for old, new in rename.items():
                    body = body.replace(old, new)
                # wrap like the PDF text: 26 characters a line, a blank line between
                full = f"{n}.{body}"
                lines.extend(full[k:k + 26] + "\n" for k in range(0, len(full), 26))
    return "\n".join(lines) + "\n"


def generate(out: Path, n: int) -> list[Path]:
    """Write n synthetic documents with metadata sidecars into out."""
    out.mkdir(parents=True, exist_ok=True)
    parts = seed_pieces()
    paths = []
    for i in range(n):
        p = out / f"synthetic-{i:03d}.txt"
        p.write_text(make_document(i, parts), encoding="utf-8")
        p.with_suffix(".toml").write_text(
            f'id = "synthetic-{i:03d}"\ntitle = "合成规划 {i}"\njurisdiction = "广州市"\n', encoding="utf-8")
        paths.append(p)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print(f"wrote {len(generate(target, count))} documents to {target}")
