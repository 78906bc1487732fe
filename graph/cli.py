"""The `policykg` command: one console command, a subcommand per job; each a thin wrapper.

Every subcommand parses its arguments, calls one function of `graph.query` (or
`extract.pipeline`) and prints what it returns: data on stdout, messages on stderr.
Nothing heavy is imported until a subcommand runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from extract import tables
from ontology.terms import ROLE_ZH
from ontology.errors import PolicyKGError, say

EPILOG = """examples:
  policykg build corpus/
  policykg agency 市市场监管局 --role cooperate
  policykg task guangzhou-ip-plan-2021-2025/t12
  policykg sparql agencies-by-role
  policykg export --format turtle --agency 市版权局 -o 版权局.ttl
  policykg app"""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error of policykg."""

    def error(self, message: str):  # noqa: D102 (argparse's hook)
        self.exit(2, f"policykg: {message} (see: {self.prog} --help)\n")


def _sub(sub, name: str, help: str, description: str, example: str, common=None) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=description, epilog=f"example:\n  {example}",
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common] if common else [])


def _common() -> argparse.ArgumentParser:
    p = Parser(add_help=False)
    g = p.add_argument_group("where the graph lives")
    g.add_argument("--data", metavar="DIR", help="data folder holding store/ (default $POLICYKG_DATA or ./data)")
    g.add_argument("--corpus", metavar="DIR", default="corpus",
                   help="folder to build the store from when it is missing (default ./corpus)")
    g.add_argument("--endpoint", metavar="URL",
                   help="a SPARQL server instead of the embedded store: an Oxigraph server's base URL "
                        "(URL/query, URL/update, URL/store) or virtuoso+http://HOST:PORT for Virtuoso 7")
    g.add_argument("--query-url", metavar="URL", help="SPARQL query endpoint (overrides --endpoint)")
    g.add_argument("--update-url", metavar="URL", help="SPARQL update endpoint")
    g.add_argument("--gsp-url", metavar="URL", help="Graph Store Protocol endpoint (for build)")
    return p


def _aliases() -> str:
    from graph.formats import FORMATS

    return ", ".join(f"{a} = {f.name}" for f in FORMATS.values() for a in f.aliases[:1])


def parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    from extract import cli as extract_cli
    from graph.views import cli_twins
    from graph.formats import FORMATS

    p = Parser(prog="policykg", description="Turn Chinese government plans into a knowledge graph.",
               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    extract_cli.add_parser(sub)
    extract_cli.add_eval_parser(sub)
    extract_cli.add_corrections_parsers(sub)  # policykg correct, corrections, import-corrections
    common = _common()

    s = _sub(sub, "build", "build (or update) the graph store from plan files",
             "Extract every document and load it into the store: unchanged documents are skipped, changed "
             "ones replace their graph, missing ones are removed. Progress goes to stderr.",
             "policykg build corpus/ --data data", common)
    s.add_argument("paths", nargs="*", metavar="PATH", help="documents or folders (default: --corpus)")
    s.add_argument("--executor", metavar="WHERE", default="local",
                   help="where documents are extracted: local (default: this machine's processes), dask (a Dask "
                        "cluster of worker processes on 127.0.0.1) or dask://HOST:PORT (an existing Dask scheduler, "
                        "also tcp://HOST:PORT); dask needs: pip install 'policykg[dask]'")
    s.set_defaults(func=cmd_build)

    s = _sub(sub, "agency", "the tasks of one agency, by role (分工表)",
             "List the tasks and measures an agency leads, cooperates on, shares or guides, with the clause "
             "that says so. NAME may be the canonical name, an alias or the name as written.",
             "policykg agency 市市场监管局 --role cooperate --format csv > 分工表.csv", common)
    s.add_argument("name", metavar="NAME")
    s.add_argument("--role", action="append", metavar="ROLE", help="lead, cooperate, responsible or guide "
                   "(repeat for several; default all)")
    s.add_argument("--doc", metavar="DOC", help="only the tasks of this document (id or title)")
    s.add_argument("--year", type=int, metavar="YEAR", help="only documents whose period starts (or that are dated) in YEAR")
    s.add_argument("--issuer", metavar="NAME", help="only documents issued by this agency (any name or alias)")
    lineage = s.add_mutually_exclusive_group()
    lineage.add_argument("--with-predecessors", dest="predecessors", action="store_true", default=True,
                         help="also the tasks of the bodies it took over in a reform, each row saying "
                              "formerly (曾用名) the old name (default)")
    lineage.add_argument("--no-predecessors", dest="predecessors", action="store_false",
                         help="only the tasks naming this very body")
    s.add_argument("--limit", type=_natural, metavar="N", help="only N rows (a page, as My bureau shows; default all)")
    s.add_argument("--offset", type=_natural, default=0, metavar="N", help="skip the first N rows (default 0)")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv, json or xlsx")
    s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
    s.set_defaults(func=cmd_agency)

    s = _sub(sub, "agencies", "every agency with its number of tasks by role",
             "Count, per agency, the units it leads, cooperates on, shares and guides; most tasks first.",
             "policykg agencies --format csv", common)
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_agencies)

    s = _sub(sub, "coassigned", "agencies assigned to the same tasks as one agency",
             "List the agencies named on the same tasks as NAME, with the number of shared tasks and their roles.",
             "policykg coassigned 市版权局", common)
    s.add_argument("name", metavar="NAME")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_coassigned)

    s = _sub(sub, "task", "one task with its text, clauses, agencies and evidence",
             "Show a task or measure: its text, every clause and assignment with its span, citations, places, "
             "mentions, boxes, footnotes and the tasks it is connected to. ID is a record id "
             "(plan/t12), a key (t12, m9.1) or a task number when only one document has it.",
             "policykg task guangzhou-ip-plan-2021-2025/t12 --format json", common)
    s.add_argument("id", metavar="ID")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv (assignments) or json")
    s.set_defaults(func=cmd_task)

    s = _sub(sub, "documents", "the documents in the store",
             "List the documents with their numbers of tasks, measures, boxes and indicators.",
             "policykg documents", common)
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_documents)

    s = _sub(sub, "outline", "parts, sections, tasks, measures and boxes in document order",
             "Print the outline of one document (or all).", "policykg outline guangzhou-ip-plan-2021-2025", common)
    s.add_argument("doc", nargs="?", metavar="DOC")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_outline)

    s = _sub(sub, "indicators", "the indicator tables: baselines and targets",
             "Print every indicator with its unit, baseline, target, years, nature and source.",
             "policykg indicators --format csv", common)
    s.add_argument("doc", nargs="?", metavar="DOC")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_indicators)

    s = _sub(sub, "metrics", "agency network metrics: degree, weighted degree, betweenness",
             "Print the collaboration network metrics of every agency.", "policykg metrics --format csv", common)
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_metrics)

    s = _sub(sub, "sparql", "run a SPARQL query (read-only unless --update)",
             "Run SELECT, ASK, CONSTRUCT or DESCRIBE on the union of all graphs. QUERY is the text, @FILE.rq, "
             "or the name of a canned query (see `policykg queries`). The project's prefixes (pkg, eli, oa, org, "
             "prov, skos, dct, …) need no declaration. Updates run only with --update.",
             "policykg sparql agency-cooperates --param name=市版权局 --format csv", common)
    s.add_argument("query", metavar="QUERY")
    s.add_argument("--format", default="table", metavar="FMT",
                   help="table (default), csv, json; for CONSTRUCT/DESCRIBE also "
                        f"{', '.join(f.name for f in FORMATS.values() if f.kind == 'rdf')}")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a variable of the query (a string)")
    s.add_argument("--update", action="store_true", help="allow a SPARQL update (writes a new store version)")
    s.add_argument("--allow-service", action="store_true",
                   help="allow SERVICE (federation) and, with --update, LOAD: the server then fetches the URLs "
                        "the query names; refused by default")
    s.add_argument("--limit", type=int, metavar="N", help="keep the first N rows")
    s.add_argument("--timeout", type=float, metavar="S", help="stop a query running longer than S seconds")
    s.set_defaults(func=cmd_sparql)

    s = _sub(sub, "queries", "list the canned SPARQL queries",
             "List the queries shipped in graph/queries/ with their titles and parameters.",
             "policykg queries")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default) or json")
    s.set_defaults(func=cmd_queries)

    s = _sub(sub, "export", "write the graph, or part of it, in an RDF or network format",
             "Export the whole dataset (default) or an agency with its tasks, a task with its neighbourhood, "
             f"a section or a document. Formats: {', '.join(FORMATS)} (also {_aliases()}). Files are written "
             "atomically.",
             "policykg export --format graphml --agency 市版权局 -o 版权局.graphml", common)
    s.add_argument("--format", required=True, metavar="FMT")
    s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--agency", metavar="NAME")
    which.add_argument("--task", metavar="ID")
    which.add_argument("--section", metavar="ID")
    which.add_argument("--doc", metavar="ID")
    s.add_argument("--depth", type=int, default=1, metavar="N", help="hops around the selection (default 1)")
    s.set_defaults(func=cmd_export)

    s = _sub(sub, "app", "open the browser app (streamlit)",
             "Run the Streamlit app (app.py) on the store of --data. The process becomes Streamlit, so SIGTERM "
             "and SIGINT stop the server. Read-only for visitors: rebuilding or reloading the corpus from the "
             "page needs --admin (or POLICYKG_ADMIN=1); SPARQL SERVICE and LOAD are always refused.",
             "policykg app --address 0.0.0.0 --port 8501 --data /srv/policykg/data", common)
    s.add_argument("--port", type=int, default=8501, help="TCP port (default 8501)")
    s.add_argument("--address", default="127.0.0.1", metavar="ADDR",
                   help="address to listen on (default 127.0.0.1, loopback only; 0.0.0.0 for every interface)")
    s.add_argument("--admin", action="store_true",
                   help="let visitors rebuild the store from the corpus (the Reload corpus button)")
    s.add_argument("--max-queries", type=int, metavar="N",
                   help="heavy SPARQL queries run at once; others wait, then are told busy (default: cores)")
    s.set_defaults(func=cmd_app)
    cli_twins.register(sub, common, _open, _rows)  # policykg network, policykg marks (graph/views/cli_twins.py)
    return p


# --------------------------------------------------------------------------- helpers


def _endpoint(args):
    """Return the RemoteEndpoint the options name, or None for the embedded store."""
    if not (args.endpoint or args.query_url):
        return None
    from graph.remote import RemoteEndpoint

    if args.endpoint:
        ep = RemoteEndpoint.from_url(args.endpoint)
        return RemoteEndpoint(args.query_url or ep.query_url, args.update_url or ep.update_url,
                              args.gsp_url or ep.gsp_url)
    return RemoteEndpoint(args.query_url, args.update_url, args.gsp_url)


def _progress(done: int, total: int, message: str) -> None:
    say(f"[{done}/{total}] {message}")


def _open(args):
    """Open the graph; build the embedded store from --corpus first if there is none."""
    from graph.query import data_path, open_kg
    from graph.store import GraphStore

    endpoint = _endpoint(args)
    missing = endpoint is None and GraphStore(data_path(args.data) / "store").live_version() is None
    return open_kg(args.data, corpus=args.corpus if missing else None, endpoint=endpoint, progress=_progress)


def _out(text: str) -> int:
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        from graph.query import QueryError

        raise QueryError(f"unknown format '{fmt}'; choose one of {', '.join(allowed)}")
    return fmt


def _rows(rows: list[dict], fmt: str, columns: list[str] | None = None) -> int:
    """Print records as a table, CSV or JSON, every cell written by `extract.tables`."""
    _check_format(fmt, ("table", "csv", "json"))
    if fmt == "json":
        return _out(tables.to_json(rows))
    columns = columns or (list(rows[0]) if rows else [])
    if fmt == "csv":
        return _out(tables.to_csv([columns, *([r.get(c) for c in columns] for r in rows)]))
    return _out(tables.to_text(rows, columns))


# --------------------------------------------------------------------------- commands


EXIT_REJECTED = 3  # the build went through, but some documents could not be read


def cmd_build(args) -> int:
    """Build the store (or push to an endpoint); report rejected documents on stderr.

    Exit 0 when every document was read, EXIT_REJECTED when some were rejected (the others are
    built), 2 when --executor names nothing usable, 128 + the signal's number when SIGTERM or
    SIGINT stopped it.
    """
    from graph.errors import ExecutorError
    from graph.query import BuildInterrupted, build

    try:
        report = build(args.paths or [args.corpus], args.data, _endpoint(args), _progress, executor=args.executor)
    except BuildInterrupted as e:
        say(str(e))
        return 128 + e.signum
    except ExecutorError as e:  # a wrong --executor: a usage error, like argparse's
        say(str(e))
        return 2
    for message in report.rejected:
        say(str(message))
    for message in report.warnings:  # orphaned corrections: kept in their file, applied nowhere
        say(f"warning: {message}")
    _out(f"{report}\n")
    if report.rejected:
        built = len(report.added) + len(report.replaced) + len(report.skipped)
        say(f"rejected {len(report.rejected)} of {len(report.rejected) + built} documents; "
            f"built the other {built}")
        return EXIT_REJECTED
    return 0


def _natural(text: str) -> int:
    """Read a count of rows: 0 or more."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"not a number of rows: {text!r}")
    return n


def cmd_agency(args) -> int:
    from graph.export import bureau_table, write_output
    from graph.views.agency import LINE_COLUMNS, agency_lines, agency_page

    fmt = _check_format(args.format, ("table", "csv", "json", "xlsx"))
    with _open(args) as kg:  # a table prints each row's line, read as such (`agency_lines`)
        page = (agency_lines if fmt == "table" else agency_page)(
            kg, args.name, args.role, doc=args.doc, year=args.year, issuer=args.issuer,
            predecessors=args.predecessors, limit=args.limit, offset=args.offset)
        rows = page.rows
        who = kg.resolve_agency(args.name)
    if fmt == "json":
        data = tables.to_json(rows)
    elif fmt == "csv":
        data = tables.to_csv(bureau_table(rows))
    elif fmt == "xlsx":
        if args.output == "-" and sys.stdout.isatty():
            from graph.query import QueryError

            raise QueryError("xlsx is binary; write it to a file with -o FILE")
        write_output(args.output, tables.to_xlsx(bureau_table(rows)))
        return 0
    else:
        columns = LINE_COLUMNS
        if any(r[-1] for r in rows):  # rows that come through a predecessor say so (曾用名)
            rows = [(*r[:-1], f"formerly {r[-1]}" if r[-1] else "") for r in rows]
        else:
            columns = columns[:-1]  # and `aligned` leaves the last cell of each line out
        head = (f"{who['name']}: {len(rows)} rows" if len(rows) == page.total else
                f"{who['name']}: rows {args.offset + 1}–{args.offset + len(rows)} of {page.total}" if rows else
                f"{who['name']}: no rows after the first {args.offset} ({page.total} in all)")
        data = head + "\n" + tables.aligned(columns, rows)
    write_output(args.output, data.encode("utf-8"))
    return 0


def cmd_agencies(args) -> int:
    with _open(args) as kg:
        rows = kg.agency_counts()
    return _rows(rows, args.format, ["agency", "lead", "cooperate", "responsible", "guide", "total", "iri"])


def cmd_coassigned(args) -> int:
    with _open(args) as kg:
        rows = kg.coassigned(args.name)
    if args.format != "json":
        rows = [{**r, "roles": ", ".join(f"{k} {v}" for k, v in r["roles"].items())} for r in rows]
    return _rows(rows, args.format, ["agency", "shared_tasks", "roles", "iri"])


def cmd_documents(args) -> int:
    with _open(args) as kg:
        rows = kg.documents()
    return _rows(rows, args.format, ["id", "title", "year", "issuer", "jurisdiction", "tasks", "measures", "boxes",
                                     "indicators"])


def cmd_outline(args) -> int:
    with _open(args) as kg:
        rows = kg.outline(args.doc)
    return _rows(rows, args.format, ["id", "kind", "number", "title", "parent"])


def cmd_indicators(args) -> int:
    with _open(args) as kg:
        rows = kg.indicators(args.doc)
    return _rows(rows, args.format, ["id", "name", "unit", "baseline", "baseline_year", "target", "target_year",
                                     "nature", "source"])


def cmd_metrics(args) -> int:
    with _open(args) as kg:
        rows = kg.metrics()
    return _rows(rows, args.format, ["label", "degree", "weighted_degree", "betweenness", "agency"])


def cmd_task(args) -> int:
    fmt = _check_format(args.format, ("table", "csv", "json"))
    with _open(args) as kg:
        t = kg.task(args.id)
    if fmt == "json":
        return _out(tables.to_json(t))
    if fmt == "csv":
        return _rows(t["assignments"], "csv", ["agency", "canonical", "role", "quote", "span", "unit_span", "inferred"])
    return _out(task_text(t))


def task_text(t: dict) -> str:
    """Render a task as readable text for the terminal."""
    kind = "任务" if t["kind"] == "task" else "措施"
    lines = [f"{t['id']}  {kind} {t['number']}  {t['title']}",
             f"{t['part_title']} / {t['section_title']}  [{t['span'][0]}-{t['span'][1]}]", "", t["text"], ""]
    if t.get("page"):
        lines.append(f"page: {t['page']}")
    if t.get("deadlines"):
        lines.append("deadline: " + "；".join(t["deadlines"]))
    from graph.views.task import correction_text, curated_label

    lines.append("assignments:")
    for a in t["assignments"]:
        extra = f"  ({a['inferred']})" if a["inferred"] else ""
        extra += f"  {curated_label(a['curated'])}" if a.get("curated") else ""
        where = f"[{a['span'][0]}-{a['span'][1]}]" if a["span"][0] is not None else "[not in the text]"
        lines.append(f"  {ROLE_ZH.get(a['role'], a['role'])}  {a['agency']} → {a['canonical']}  {where}{extra}")
    for d, c in t.get("curated_deadlines", {}).items():
        lines.append(f"deadline {d}: {curated_label(c)}")
    if t.get("corrections"):
        lines.append("corrections:")
        lines += [f"  {correction_text(c)}" for c in t["corrections"]]
    if t.get("orphaned"):
        lines.append(f"orphaned corrections of {t['doc']} (applied nowhere):")
        lines += [f"  {correction_text(c)}" for c in t["orphaned"]]
    lines.append("clauses:")
    for c in t["clauses"]:
        if c["span"][0] is not None:  # a correction's clause has no characters in the text
            lines.append(f"  [{c['span'][0]}-{c['span'][1]}] {c['quote']}")
    for key, label in (("references", "cites"), ("places", "places"), ("mentions", "mentions")):
        if t[key]:
            lines.append(f"{label}: " + "、".join(f"{o['quote']} [{o['span'][0]}-{o['span'][1]}]" for o in t[key]))
    for b in t["boxes"]:
        lines.append(f"专栏 {b['number']} {b['title']}: {b['body']}")
    for f in t["footnotes"]:
        lines.append(f"footnote {f['number']} {f['term']}: {f['text']}")
    for i in t["indicators"]:
        lines.append(f"indicator {i['name']}: {i['baseline']} → {i['target']} {i['unit']}")
    if t["connected"]:
        lines.append("connected:")
        for c in t["connected"][:10]:
            lines.append(f"  {c['task']} ({c['weight']}) {c['title']}: {'; '.join(c['reasons'])}")
    return "\n".join(lines) + "\n"


def cmd_sparql(args) -> int:
    from graph.formats import lookup, rdf_formats
    from graph.query import QueryError, bind, canned_query, list_queries

    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param wants NAME=VALUE, not {item!r}")
        params[name.strip().lstrip("?$")] = value
    q = args.query
    if q.startswith("@"):
        with open(q[1:], encoding="utf-8") as f:
            text = bind(f.read(), params)
    elif q in {c["name"] for c in list_queries()}:
        text = canned_query(q, params)
    elif _looks_like_name(q):
        text = canned_query(q, params)  # raises: unknown query, closest names
    else:
        text = bind(q, params)
    rdf = [f.name for f in rdf_formats()]
    fmt = args.format
    if fmt not in ("table", "csv", "json"):
        try:
            fmt = lookup(fmt, kind="rdf").name  # an alias (ttl, jsonld, nq…) means its format
        except PolicyKGError:
            _check_format(fmt, ("table", "csv", "json", *rdf))
    with _open(args) as kg:
        result = kg.sparql(text, update=args.update, limit=args.limit, timeout=args.timeout,
                           allow_service=args.allow_service)
    if result.kind == "update":
        say(f"{result.message}")
        return 0
    if fmt in rdf:
        sys.stdout.buffer.write(result.serialize(fmt))
        sys.stdout.flush()
        return 0
    if result.truncated:
        say(f"showing the first {len(result.rows)} rows (--limit)")
    return _out({"table": result.to_table, "csv": result.to_csv, "json": result.to_json}[fmt]())


def _looks_like_name(q: str) -> bool:
    import re

    return bool(re.fullmatch(r"[A-Za-z][\w-]*", q.strip())) and q.strip().upper() not in (
        "SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def cmd_queries(args) -> int:
    from graph.query import list_queries

    rows = list_queries()
    if args.format == "json":
        return _out(tables.to_json(rows))
    _check_format(args.format, ("table", "json"))
    shown = [{"name": r["name"], "title": r["title"],
              "params": ", ".join(f"{k}={v}" if v else k for k, v in r["params"].items())} for r in rows]
    return _rows(shown, "table", ["name", "title", "params"])


def cmd_export(args) -> int:
    from graph.export import write_output
    from graph.formats import lookup

    fmt = lookup(args.format).name  # an unknown format fails before any work; an alias means its format
    with _open(args) as kg:
        data = kg.export(fmt, agency=args.agency, task=args.task, section=args.section, doc=args.doc,
                         depth=args.depth)
    write_output(args.output, data)
    return 0


def cmd_app(args) -> int:
    """Become `streamlit run app.py` (exec, not a child): the app opens the store of --data.

    Replacing this process rather than starting a child means a signal sent to the pid that
    was started (systemd, a supervisor, Ctrl-C, a test) reaches the server itself, and no
    orphan keeps listening on the port.
    """
    from pathlib import Path

    from graph.query import QueryError

    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.is_file():
        raise QueryError(f"no app at {app}")
    if args.max_queries is not None and args.max_queries < 1:
        raise QueryError(f"--max-queries wants at least 1, not {args.max_queries}")
    env = dict(os.environ)
    if args.data:
        env["POLICYKG_DATA"] = os.path.abspath(args.data)
    if getattr(args, "corpus", None) and os.path.isdir(args.corpus):
        env["POLICYKG_CORPUS"] = os.path.abspath(args.corpus)
    if args.admin:
        env["POLICYKG_ADMIN"] = "1"
    if args.max_queries is not None:
        env["POLICYKG_MAX_QUERIES"] = str(args.max_queries)
    # Streamlit opens a browser where there is a display and stays headless where there is none.
    # No usage statistics; loopback unless --address says otherwise.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.address", args.address, "--browser.gatherUsageStats", "false"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)
    return 0  # not reached


def main(argv=None) -> int:
    """Run the command line; errors become one line on stderr and a non-zero exit."""
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        say(f"{e.filename or ''}: {e.strerror or e}")
        return 1
    except PolicyKGError as e:
        # Every error a user can cause derives from this base and says what to fix in one line;
        # anything else is a bug and keeps its traceback.
        say(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
