"""Write the graph out: the formats (from `graph.formats`, the one registry), the bureau's 分工表 (`graph.views.agency`).

>>> format_spec("ttl").name, format_spec("nquads").extension
('turtle', 'nq')
"""

from __future__ import annotations

from extract.files import write_output  # noqa: F401 - re-exported: the CLI writes through export
from extract.tables import to_csv, to_text as table_text, to_xlsx  # noqa: F401 - re-exported

from .errors import ExportError  # noqa: F401 - re-exported
from .formats import FORMATS, Format, jsonld_context, serialize_quads  # noqa: F401 - re-exported
from .formats import lookup as format_spec
from .views.agency import BUREAU_HEADER, bureau_table  # noqa: F401 - re-exported

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
