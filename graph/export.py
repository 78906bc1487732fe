"""Write the graph out: the formats (from `graph.formats`, the one registry) and the bureau's 分工表.

>>> format_spec("ttl").name, format_spec("nquads").extension
('turtle', 'nq')
>>> bureau_table([])[0][:3]
['文件', '部分', '章节']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from extract.files import write_output  # noqa: F401 - re-exported: the CLI writes through export
from extract.serialize import ROLE_ZH
from extract.tables import to_csv, to_text as table_text, to_xlsx  # noqa: F401 - re-exported

from .errors import ExportError  # noqa: F401 - re-exported
from .formats import FORMATS, Format, jsonld_context, serialize_quads  # noqa: F401 - re-exported
from .formats import lookup as format_spec

__all__ = [
    "BUREAU_HEADER",
    "ExportError",
    "FORMATS",
    "Format",
    "bureau_table",
    "format_spec",
    "jsonld_context",
    "serialize_quads",
    "table_text",
    "to_csv",
    "to_xlsx",
    "write_output",
]


# --------------------------------------------------------------------------- tables

BUREAU_HEADER = ["文件", "部分", "章节", "编号", "任务", "职责", "原文写法", "其他单位", "责任条款", "任务编号"]


def bureau_table(rows: Sequence[Mapping]) -> list[list[str]]:
    """Return a bureau's 分工表 from `KG.agency_tasks` rows: a header, then one line per unit and role."""
    out = [list(BUREAU_HEADER)]
    for r in rows:
        number = r.get("number") or ""
        if r.get("kind") == "measure":
            number = f"（{number}）"
        partners = "；".join(f"{p['agency']}（{ROLE_ZH.get(p['role'], p['role'])}）" for p in r.get("partners") or ())
        out.append([str(r.get("doc") or ""), str(r.get("part_title") or ""), str(r.get("section_title") or ""),
                    str(number), str(r.get("title") or ""), ROLE_ZH.get(r.get("role"), str(r.get("role") or "")),
                    str(r.get("name_as_written") or ""), partners, str(r.get("clause") or ""), str(r.get("task") or "")])
    return out
