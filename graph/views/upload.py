"""The Upload view: what one dropped file says, before (and without) it enters the store.

`upload_report` is a function of an extraction and a bureau name; the app's 上传文件 view and
`policykg upload FILE` show the same report: the outline, every unit with its agencies by role,
the unresolved names and warnings, the bureau's tasks, and the downloads (分工表 CSV/XLSX, Turtle,
the gold format for correction).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from extract import tables
from extract.records import ROLE_ORDER, Extraction
from ontology.terms import ROLE_ZH

UNIT_COLUMNS = ("编号", "任务 task", "牵头 lead", "配合 cooperate", "负责 responsible", "指导 guide", "时限 deadline", "页 page")
BUREAU_COLUMNS = ("编号", "任务 task", "职责 role", "原文写法 as written", "条款 clause")


@dataclass(frozen=True, slots=True)
class UploadReport:
    """Everything the Upload view shows for one file."""

    title: str
    jurisdiction: str
    jurisdiction_inferred: str
    outline: tuple[tuple[int, str, str], ...]  # (depth, number as written, title)
    units: tuple[dict, ...]
    warnings: tuple[str, ...]
    unresolved: tuple[str, ...]
    bureau: tuple[dict, ...]


def upload_report(x: Extraction, bureau: str = "") -> UploadReport:
    """Return the report of an extracted upload; `bureau` (any name or alias) selects its tasks."""
    from extract.pipeline import document_resolver, resolve_agency

    res = document_resolver(x)
    doc = x.document
    depth = {"part": 0, "section": 1}
    nodes = [(s.span.start, 0, depth.get(s.level, 1), s.number, s.title) for s in x.sections]
    nodes += [(u.span.start, 1, 2, u.marker or u.number, u.title) for u in x.units]
    outline = [(d, number, title) for _, _, d, number, title in sorted(nodes)]
    units = []
    for u in x.units:
        row = {"编号": u.marker or u.number, "任务 task": u.title}
        for role, col in zip(ROLE_ORDER, UNIT_COLUMNS[2:6]):
            row[col] = "、".join(dict.fromkeys(a.name for a in u.assignments if a.role is role))
        row["时限 deadline"] = "；".join(dict.fromkeys(d.text for d in u.deadlines))
        page = doc.page_of(u.span.start)
        row["页 page"] = "" if page is None else page
        units.append(row)
    wanted = resolve_agency(res, bureau) if bureau else None
    rows = []
    for u in x.units:
        for a in u.assignments:
            same = (wanted is not None and a.agency_id == wanted.id) or (bureau and bureau in (a.agency, a.name))
            if same:
                rows.append({"编号": u.marker or u.number, "任务 task": u.title, "职责 role": ROLE_ZH[a.role.value],
                             "原文写法 as written": a.agency, "条款 clause": a.clause.quote})
    return UploadReport(
        doc.title, str(doc.metadata.get("jurisdiction") or ""), str(doc.metadata.get("jurisdiction_inferred") or ""),
        tuple(outline), tuple(units),
        tuple(f"{doc.source}:{w.line}: {w.message}" if w.line else f"{doc.source}: {w.message}" for w in x.warnings),
        tuple(w.message for w in x.warnings if w.code == "unresolved-agency"), tuple(rows))


def downloads(x: Extraction) -> dict[str, tuple[bytes, str, str]]:
    """Return the files an upload can be taken away as: name → (bytes, file extension, media type)."""
    from extract.evaluate import to_gold
    from extract.serialize import CSV_HEADER, csv_rows

    from ..rdf import extraction_to_graph

    rows = [CSV_HEADER, *csv_rows(x)]
    return {
        "分工表 CSV": (tables.to_csv(rows).encode("utf-8-sig"), "csv", "text/csv"),
        "分工表 XLSX": (tables.to_xlsx(rows), "xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "RDF Turtle": (extraction_to_graph(x).serialize(format="turtle").encode("utf-8"), "ttl", "text/turtle"),
        "gold JSON": (to_gold([x]).encode("utf-8"), "gold.json", "application/json"),
    }


def render_text(r: UploadReport) -> str:
    """Return the report as the CLI prints it."""
    out = [f"{r.title}  ({r.jurisdiction or '?'}{'; inferred from ' + r.jurisdiction_inferred if r.jurisdiction_inferred else ''})",
           "", tables.to_text(list(r.units), UNIT_COLUMNS)]
    if r.bureau:
        out += ["", tables.to_text(list(r.bureau), BUREAU_COLUMNS)]
    if r.warnings:
        out += ["", "warnings:", *(f"  {w}" for w in r.warnings)]
    return "\n".join(out) + "\n"


META_FIELDS = {"title": "标题 Title", "jurisdiction": "地区 Jurisdiction (e.g. 广州市)", "drafted_by": "发文单位 Issuer",
               "period_start": "年份 Year (e.g. 2023)"}


def check_meta(fields: dict[str, str]) -> tuple[dict, str | None]:
    """Return the sidecar metadata typed for an upload (blank fields left out) and a warning about a bad year.

    >>> check_meta({"title": " 规划 ", "period_start": "2023"})
    ({'title': '规划', 'period_start': 2023}, None)
    >>> check_meta({"period_start": "明年"})[1]
    "年份 year must be a year such as 2021, got '明年'"
    """
    meta = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    year = meta.pop("period_start", None)
    if year is None:
        return meta, None
    if not (year.isdigit() and 1949 <= int(year) <= 2100):
        return meta, f"年份 year must be a year such as 2021, got {year!r}"
    return {**meta, "period_start": int(year)}, None


def read_upload(data: bytes, name: str, meta: dict | None) -> Extraction | str:
    """Return the extraction of an uploaded file (read in a child process with limits), or the one-line reason not."""
    from extract.reader import InputError
    from extract.upload import extract_upload, safe_name

    try:
        return extract_upload(data, safe_name(name), meta or None)
    except InputError as exc:
        return str(exc)


def add_to_corpus(corpus: str | Path, data: bytes, name: str, meta: dict) -> Path:
    """Save an upload and its metadata sidecar (TOML) into the corpus folder; return the document's path."""
    from extract.upload import safe_name

    from ..viz import file_stem

    name = safe_name(name)
    stem, _, suffix = name.rpartition(".")
    target = Path(corpus) / f"{file_stem(stem or name)}.{suffix}"
    target.write_bytes(data)
    # A JSON string is a valid TOML basic string: quotes and backslashes come escaped.
    target.with_suffix(".toml").write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                                   for k, v in meta.items()), encoding="utf-8")
    return target


def accepted_suffixes() -> list[str]:
    """Return the file types an upload may have, without dots (pdf, docx, …)."""
    from extract.reader import SUFFIXES

    return [x.lstrip(".") for x in SUFFIXES]
