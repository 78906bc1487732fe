"""CLI twins of app views that `graph.cli` lacked: `policykg network`, `marks`, `upload`, `search`, `cites`, `cited-by`,
`compare`.

Registered by one line in `graph.cli.parser`; each command prints what the app's view shows,
computed by the same function of `graph.views`.
"""

from __future__ import annotations

import argparse

from ontology.errors import say

MODES = ("bipartite", "collaboration", "tasks")  # as graph.views.network.ROLE_MODES, without importing it


def _at_least_one(text: str) -> int:
    """Parse a count of 1 or more (argparse reports anything else in one line)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def register(sub, common, open_graph, print_rows) -> None:
    """Add the twin subcommands; `open_graph(args)` opens the KG, `print_rows(rows, fmt, columns)` prints."""

    def cmd_network(args) -> int:
        from .network import network_view

        with open_graph(args) as kg:
            view = network_view(kg, args.mode, roles=args.role, parts=args.part, sections=args.section,
                                agencies=args.agency, min_weight=args.min_weight, limit=args.limit,
                                **({"k": args.k} if args.k is not None else {}))
        if args.links:  # the side table: each collaboration link with its shared tasks
            from ..errors import QueryError
            from .network import link_rows

            if view.mode != "collaboration":
                raise QueryError("--links lists the collaboration view's links: add --mode collaboration")
            rows = link_rows(view)
            return print_rows(rows, args.format, list(rows[0]) if rows else ["单位 A", "单位 B"])
        columns = ["label", "kind", "degree", "weighted_degree", "betweenness", "rid"]
        return print_rows(list(view.centrality), args.format,
                          columns + ["community"] if view.communities else columns)

    def cmd_marks(args) -> int:
        from .task import mark_rows

        with open_graph(args) as kg:
            rows = mark_rows(kg.task(args.id))
        return print_rows(rows, args.format, ["start", "end", "class", "label", "text"])

    s = sub.add_parser("network", help="the Network view: centrality of the nodes it draws",
                       description="Filter the network as the app's Network view does and print the centrality "
                                   "of the nodes drawn (degree, weighted degree, betweenness).",
                       epilog="examples:\n  policykg network --mode collaboration --min-weight 2\n"
                              "  policykg network --mode tasks --k 3 --min-weight 0.5",
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    s.add_argument("--mode", default="bipartite", choices=MODES, help="bipartite (default), collaboration, tasks")
    s.add_argument("--role", action="append", metavar="ROLE", help="keep these roles (repeat)")
    s.add_argument("--part", action="append", metavar="ID", help="keep the tasks of these parts (repeat)")
    s.add_argument("--section", action="append", metavar="ID", help="keep the tasks of these sections (repeat)")
    s.add_argument("--agency", action="append", metavar="NAME", help="keep these agencies (repeat)")
    s.add_argument("--min-weight", type=float, metavar="W",
                   help="weakest link shown: shared tasks (default 1); tasks: the summed specificity of what two "
                        "tasks share, each thing log(N/n)/log(N) for n of N units holding it (default 0.5)")
    s.add_argument("--k", type=_at_least_one, metavar="K", help="tasks: the links kept per task, strongest first (default 3)")
    s.add_argument("--limit", type=int, default=300, metavar="N", help="nodes drawn, best connected (default 300)")
    s.add_argument("--links", action="store_true",
                   help="collaboration: print the links and their shared tasks instead (the view's side table)")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_network)

    def cmd_upload(args) -> int:
        import sys
        from pathlib import Path

        from extract.reader import InputError, read_sidecar
        from extract.upload import extract_upload

        from .upload import render_text, upload_report

        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(path, exc.strerror or "cannot be read") from None
        meta = read_sidecar(path)
        for key in ("title", "jurisdiction", "drafted_by"):
            if getattr(args, key):
                meta[key] = getattr(args, key)
        x = extract_upload(data, path.name, meta)
        sys.stdout.write(render_text(upload_report(x, args.bureau or "")))
        return 0

    s = sub.add_parser("upload", help="the Upload view: what one file says, extracted with limits",
                       description="Extract one file as the app's Upload view does (in a child process with a time "
                                   "and memory limit) and print its units by role, the bureau's tasks and the "
                                   "warnings. Nothing enters the store.",
                       epilog="example:\n  policykg upload plan.pdf --jurisdiction 广州市 --bureau 市版权局",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("file", metavar="FILE")
    s.add_argument("--bureau", metavar="NAME", help="also list the tasks of this agency (any name or alias)")
    s.add_argument("--title", help="the document's title (else the sidecar's or the first line)")
    s.add_argument("--jurisdiction", help="e.g. 广州市 (else the sidecar's, else inferred)")
    s.add_argument("--drafted-by", dest="drafted_by", help="the issuing body")
    s.set_defaults(func=cmd_upload)

    def cmd_search(args) -> int:
        import sys

        from extract import tables
        from extract.files import write_output

        from ..errors import QueryError
        from .search import COLUMNS, hit_rows, search

        if args.format == "xlsx" and args.output == "-" and sys.stdout.isatty():
            raise QueryError("xlsx is binary; write it to a file with -o FILE")
        query = " ".join(args.query)
        with open_graph(args) as kg:
            hits = search(kg, query, limit=args.limit, doc=args.doc)
        if args.format == "json":
            data = tables.to_json([h.as_dict() for h in hits]).encode("utf-8")
        elif args.format == "csv":
            data = tables.to_csv([COLUMNS, *([r[c] for c in COLUMNS] for r in hit_rows(hits))]).encode("utf-8")
        elif args.format == "xlsx":
            data = tables.to_xlsx([COLUMNS, *([r[c] for c in COLUMNS] for r in hit_rows(hits))], sheet="search")
        else:
            head = f"{len(hits)} hits for {query.strip()}" + (f" (first {args.limit})" if len(hits) == args.limit else "")
            data = (head + "\n" + tables.to_text(hit_rows(hits, snippet_columns=60),
                                                 ["rank", "id", "kind", "title", "agencies", "snippet"],
                                                 max_width=64)).encode("utf-8")
        write_output(args.output, data)
        return 0

    s = sub.add_parser("search", help="the Search view: units whose text, agencies or id match words",
                       description="Search the tasks, measures, boxes, parts and sections of every document: a unit "
                                   "matches when each phrase of QUERY (split at spaces and punctuation) is in its "
                                   "text or in the name of an agency assigned to it, or is its key (t12); a record "
                                   "id (plan/t12) finds that unit. Best bm25 rank first, then document order; the "
                                   "matched characters are marked 【】 (json: snippet segments [text, is_hit]).",
                       epilog="example:\n  policykg search 知识产权质押 --limit 10",
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    s.add_argument("query", nargs="+", metavar="QUERY", help="words, phrases, an agency name or a task id")
    s.add_argument("--limit", type=int, default=50, metavar="N", help="at most N hits (default 50)")
    s.add_argument("--doc", metavar="DOC", help="only this document's units (its id)")
    s.add_argument("--format", default="text", choices=("text", "table", "csv", "json", "xlsx"),
                   help="text (default; table is the same), csv, json or xlsx")
    s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
    s.set_defaults(func=cmd_search)

    def cmd_cites(args) -> int:
        import sys

        from extract import tables
        from extract.files import write_output

        from ..errors import QueryError
        from .cites import CITED_BY_COLUMNS, CITES_COLUMNS, cited_by, cites, table_rows

        if args.format == "xlsx" and args.output == "-" and sys.stdout.isatty():
            raise QueryError("xlsx is binary; write it to a file with -o FILE")
        view, columns = (cites, CITES_COLUMNS) if args.command == "cites" else (cited_by, CITED_BY_COLUMNS)
        with open_graph(args) as kg:
            rows = view(kg, args.doc)
        cells = table_rows(rows)
        if args.format == "json":
            data = tables.to_json(rows).encode("utf-8")
        elif args.format == "csv":
            data = tables.to_csv([columns, *([r[c] for c in columns] for r in cells)]).encode("utf-8")
        elif args.format == "xlsx":
            data = tables.to_xlsx([columns, *([r[c] for c in columns] for r in cells)], sheet=args.command)
        else:
            data = tables.to_text(cells, columns, max_width=48).encode("utf-8")
        write_output(args.output, data)
        return 0

    for name, help_, description, example in (
            ("cites", "the 《》 works a document cites, resolved to corpus documents",
             "Print each 《》 work a document cites (first cited first): the title as written, the work's IRI, the "
             "corpus document it resolves to (title or sidecar alias equal after normalize_title: quotes, years, "
             "spaces and 的 dropped) or nothing, and the units citing it.",
             "policykg cites guangzhou-ip-plan-2021-2025"),
            ("cited-by", "the documents and units citing a document, by any of its titles",
             "Print the documents and units of the store citing a document by its title or a sidecar alias (equal "
             "after normalize_title: quotes, years, spaces and 的 dropped), with the title as they wrote it.",
             "policykg cited-by guangzhou-ip-plan-2021-2025 --format json")):
        s = sub.add_parser(name, help=help_, description=description, epilog=f"example:\n  {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
        s.add_argument("doc", metavar="DOC", help="a document id (policykg documents lists them)")
        s.add_argument("--format", default="table", choices=("table", "csv", "json", "xlsx"),
                       help="table (default), csv, json or xlsx")
        s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
        s.set_defaults(func=cmd_cites)

    def cmd_compare(args) -> int:
        import sys

        from extract import tables
        from extract.files import write_output

        from ..errors import NotFound, QueryError
        from .compare import SECTIONS, compare, table_rows

        if args.format == "xlsx" and args.output == "-" and sys.stdout.isatty():
            raise QueryError("xlsx is binary; write it to a file with -o FILE")
        with open_graph(args) as kg:
            try:
                c = compare(kg, args.a, args.b)
            except NotFound as exc:  # a document id that is not in the store: say which, exit 2 like a usage error
                say(f"compare: {exc}")
                return 2
        names = [args.section] if args.section else list(SECTIONS)
        if args.format == "json":
            data = c.as_dict()
            if args.section:
                data = {k: data[k] for k in ("a", "b", "summary", args.section)}
            out = tables.to_json(data).encode("utf-8")
        elif args.format == "csv":
            sheet, columns = SECTIONS[args.section or "agencies"]
            rows = table_rows(c.section(args.section or "agencies"))
            out = tables.to_csv([columns, *([r[k] for k in columns] for r in rows)]).encode("utf-8")
        elif args.format == "xlsx":
            out = tables.to_xlsx_sheets({sheet: t for sheet, t in c.sheets().items()
                                         if sheet in {SECTIONS[n][0] for n in names}})
        else:
            summary = "  ".join(f"{k} {v}" for k, v in c.summary.items())
            parts = [f"A: {c.a['id']}  {c.a['title']}\nB: {c.b['id']}  {c.b['title']}\n{summary}\n"]
            for name in names:
                sheet, columns = SECTIONS[name]
                shown = [c for c in columns if c != "iri"]
                parts.append(f"{sheet} ({len(c.section(name))})\n"
                             + tables.to_text(table_rows(c.section(name)), shown, max_width=40))
            out = "\n".join(parts).encode("utf-8")
        write_output(args.output, out)
        return 0

    s = sub.add_parser("compare", help="compare two plans: agencies by role, new, gone, changed; shared citations",
                       description="Compare documents A and B of the store (ids, see policykg documents). Agencies "
                                   "are matched by their canonical IRI: per agency its units by role in A and in B "
                                   "(counts and unit keys) and its status (gone: only in A, new: only in B, changed: "
                                   "its count differs for some role, same); a body replaced in a reform says which "
                                   "it became (succeeded by / formerly). Then the changes, and the 《》 works both "
                                   "cite (the corpus document a title resolves to, else its normalized title). An "
                                   "unknown id is one line naming it, exit 2.",
                       epilog="example:\n  policykg compare gz-ip-13th gz-ip-14th --format xlsx -o compare.xlsx",
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    s.add_argument("a", metavar="A", help="the first (older) document's id")
    s.add_argument("b", metavar="B", help="the second document's id")
    s.add_argument("--section", choices=("agencies", "changes", "citations"),
                   help="only this section (csv writes one: agencies unless told)")
    s.add_argument("--format", default="table", choices=("table", "csv", "json", "xlsx"),
                   help="table (default), csv, json or xlsx (one sheet per section)")
    s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("marks", help="the highlights of a task's text in the Task view",
                       description="Print what the app's Task view highlights in a task's text: title, clauses, "
                                   "agencies by role, references, places, mentions, with their offsets.",
                       epilog="example:\n  policykg marks guangzhou-ip-plan-2021-2025/t12",
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    s.add_argument("id", metavar="ID")
    s.add_argument("--format", default="table", metavar="FMT", help="table (default), csv or json")
    s.set_defaults(func=cmd_marks)

    def cmd_tasks(args) -> int:
        import sys

        from extract import tables
        from extract.files import write_output

        from ..errors import QueryError
        from .tasks import COLUMNS, agency_cell, check_selection, facet_rows, parse_sort, task_table

        if args.format == "xlsx" and args.output == "-" and sys.stdout.isatty():
            raise QueryError("xlsx is binary; write it to a file with -o FILE")
        sort = f"-{args.sort.lstrip('-')}" if args.desc else args.sort
        parse_sort(sort)  # a bad sort fails before the store is opened
        with open_graph(args) as kg:
            picks = check_selection(kg, **{f: getattr(args, f) for f in FACET_OPTIONS})
            view = task_table(kg, sort=sort, **picks)
        if args.facets:
            rows, columns, sheet = facet_rows(view), ["facet", "value", "label", "count", "selected"], "facets"
            json_rows = {f: list(values) for f, values in view.facets.items()}
        else:
            rows, columns, sheet = view.records(), COLUMNS, "tasks"
            json_rows = [{c: r[c] if c != "deadline" else r["deadlines"] for c in COLUMNS} for r in view.rows]
        if args.format == "json":
            data = tables.to_json(json_rows).encode("utf-8")
        elif args.format == "csv":
            data = tables.to_csv([columns, *([r[c] for c in columns] for r in rows)]).encode("utf-8")
        elif args.format == "xlsx":
            data = tables.to_xlsx([columns, *([r[c] for c in columns] for r in rows)], sheet=sheet)
        elif args.facets:
            data = tables.to_text(rows, columns, max_width=48).encode("utf-8")
        else:
            head = f"{len(view.rows)} of {view.total} tasks and measures\n"
            shown = [{"id": r["id"], "title": r["title"], "agencies": agency_cell(r), "deadline": r["deadline"]}
                     for r in view.rows]
            data = (head + tables.to_text(shown, ["id", "title", "agencies", "deadline"], max_width=48)).encode("utf-8")
        write_output(args.output, data)
        return 0

    FACET_OPTIONS = {"doc": "DOC", "part": "ID", "section": "ID", "role": "ROLE", "agency": "NAME",
                     "deadline": "VALUE"}
    s = sub.add_parser("tasks", help="the Tasks view: every task and measure, faceted, with counts per value",
                       description="List the tasks and measures of every document, kept by facets: document (id "
                                   "or title), part and section (record id or key: p3, s3.1), role, agency (any "
                                   "name or alias) and deadline (a year, the text as written, or none). Values "
                                   "of one facet are alternatives; facets combine; --role with --agency keeps the "
                                   "units where that agency has that role. --facets prints each facet's values "
                                   "with the number of rows each gives with the other facets as chosen.",
                       epilog="example:\n  policykg tasks --agency 市版权局 --role cooperate --sort agencies --desc",
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    for facet, metavar in FACET_OPTIONS.items():
        s.add_argument(f"--{facet}", action="append", metavar=metavar, help=f"keep this {facet} (repeat for any of several)")
    s.add_argument("--sort", default="order", metavar="KEY",
                   help="order (default: document order), doc, title, deadline (earliest first) or agencies "
                        "(fewest first)")
    s.add_argument("--desc", action="store_true", help="sort descending (ties stay in document order)")
    s.add_argument("--facets", action="store_true", help="print the facets' values and counts instead of the rows")
    s.add_argument("--format", default="table", choices=("table", "csv", "json", "xlsx"),
                   help="table (default), csv, json or xlsx")
    s.add_argument("-o", "--output", default="-", metavar="FILE", help="write here instead of stdout")
    s.set_defaults(func=cmd_tasks)
