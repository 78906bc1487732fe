"""The query layer on a real store built from the seed: agencies, tasks, evidence, SPARQL, exports."""

from __future__ import annotations

import io
import os
from pathlib import Path

import networkx as nx
import pytest
from openpyxl import load_workbook
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from extract.pipeline import extract_file
from extract.records import Role
from graph import network as nw
from graph.backend import EmbeddedBackend, RemoteBackend
from graph.views import network as network_views
from graph.export import FORMATS, ExportError, bureau_table, format_spec, to_csv, to_xlsx, write_output
from graph.query import (
    KG,
    NotFound,
    QueryError,
    SparqlError,
    UnknownAgency,
    build,
    canned_query,
    list_queries,
    open_kg,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
AMR = ("市市场监管局", "广州市市场监督管理局（知识产权局）", "广州市市场监督管理局")
AMR_ID = "gz-amr"
RDF_PARSE = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads", "json-ld": "json-ld", "xml": "xml"}


@pytest.fixture(scope="session")
def seed():
    return extract_file(SEED)


@pytest.fixture(scope="session")
def seed_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("seed-data")
    build([ROOT / "corpus"], data)
    return data


@pytest.fixture(scope="session")
def kg(seed_data) -> KG:
    with open_kg(seed_data, corpus=None) as graph:
        yield graph


def units_with(seed, agency_id: str, role: Role | None = None) -> list[str]:
    """Count from the extraction records: the units where an agency has a role."""
    return [u.id for u in seed.units if any(a.agency_id == agency_id and (role is None or a.role is role)
                                            for a in u.assignments)]


def test_docstring_examples_run():
    import doctest

    from graph import export, query

    for module in (query, export):
        failures, tried = doctest.testmod(module)
        assert tried and not failures, module.__name__


# Agencies


def test_every_name_of_an_agency_gives_the_same_tasks(kg, seed):
    lists = [kg.agency_tasks(name) for name in AMR]
    assert lists[0] == lists[1] == lists[2]
    lead = [r for r in lists[0] if r["role"] == "lead"]
    expected = units_with(seed, AMR_ID, Role.LEAD)
    assert [r["task"] for r in lead] == expected
    assert sum(r["kind"] == "measure" for r in lead) == 3
    assert len(expected) == 41  # what the extractor finds in the seed today


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_filter_keeps_one_role(kg, seed, role):
    for name in ("市市场监管局", "市版权局", "各区人民政府"):
        agency_id = kg.resolve_agency(name)["iri"].rsplit("/", 1)[-1]
        rows = kg.agency_tasks(name, roles=[role])
        assert {r["role"] for r in rows} <= {role}
        assert [r["task"] for r in rows] == units_with(seed, agency_id, Role(role))


def test_several_roles_and_document_order(kg, seed):
    rows = kg.agency_tasks("市版权局", roles=["cooperate", "lead"])
    order = [u.id for u in seed.units]
    assert [order.index(r["task"]) for r in rows] == sorted(order.index(r["task"]) for r in rows)
    assert {r["role"] for r in rows} == {"lead", "cooperate"}


def test_agency_rows_quote_the_text(kg, seed):
    text = seed.document.text
    for row in kg.agency_tasks("市市场监管局"):
        s, e = row["span"]
        assert text[s:e] == row["clause"]
        ns, ne = row["name_span"]
        assert text[ns:ne] == row["name_as_written"]
        assert row["name_as_written"] in row["clause"]
        assert all(p["agency"] != "广州市市场监督管理局" for p in row["partners"])


def test_partners_are_the_other_agencies_of_the_unit(kg, seed):
    row = next(r for r in kg.agency_tasks("市市场监管局", roles=["lead"]) if r["task"].endswith("/t12"))
    unit = seed.unit(row["task"])
    expected = {(a.canonical, a.role.value) for a in unit.assignments if a.agency_id != AMR_ID}
    assert {(p["agency"], p["role"]) for p in row["partners"]} == expected


def test_resolve_agency_is_alias_aware(kg):
    a = kg.resolve_agency("市市场监管局")
    assert a["name"] == "广州市市场监督管理局" and a["iri"].endswith("/gz-amr")
    assert "市市场监管局" in a["aliases"] and "广州市市场监督管理局（知识产权局）" in a["aliases"]
    assert kg.resolve_agency("市市场监管局\n（知识产权局）")["iri"] == a["iri"]  # as written across a line break
    assert kg.resolve_agency(a["iri"])["iri"] == a["iri"]
    names = kg.agency_names()
    assert set(AMR) <= set(names) and names == sorted(names)


@pytest.mark.parametrize("name", ["市市场监督局", "市版权厅", "不存在的单位"])
def test_unknown_agency_names_the_closest(kg, name):
    with pytest.raises(UnknownAgency) as e:
        kg.agency_tasks(name)
    message = str(e.value)
    assert message.startswith(f"unknown agency '{name}'") and "\n" not in message
    if name != "不存在的单位":
        assert "; closest: " in message and len(e.value.suggestions) <= 3
    assert isinstance(e.value, LookupError)


def test_unknown_role_is_one_line(kg):
    with pytest.raises(QueryError, match="unknown role 'boss'; choose from lead, cooperate"):
        kg.agency_tasks("市版权局", roles=["boss"])


def test_agency_counts_match_the_records(kg, seed):
    rows = kg.agency_counts()
    amr = next(r for r in rows if r["iri"].endswith("/gz-amr"))
    assert amr["agency"] == "广州市市场监督管理局"
    for role in Role:
        assert amr[role.value] == len(units_with(seed, AMR_ID, role))
    assert amr["total"] == len(units_with(seed, AMR_ID))
    assert rows == sorted(rows, key=lambda r: (-r["total"], r["agency"], r["iri"]))


def test_coassigned(kg, seed):
    rows = kg.coassigned("市版权局")
    amr = next(r for r in rows if r["iri"].endswith("/gz-amr"))
    mine = set(units_with(seed, "gz-copyright"))
    assert amr["shared_tasks"] == len(mine & set(units_with(seed, AMR_ID)))
    assert not any(r["iri"].endswith("/gz-copyright") for r in rows)


# Documents, outline, tasks


def test_documents_and_outline(kg, seed):
    (doc,) = kg.documents()
    assert doc["id"] == seed.document.id and doc["jurisdiction"] == "广州市"
    assert (doc["tasks"], doc["measures"], doc["boxes"], doc["indicators"]) == (
        sum(u.kind == "task" for u in seed.units), sum(u.kind == "measure" for u in seed.units), len(seed.boxes),
        len(seed.indicators))
    outline = kg.outline(seed.document.id)
    assert [r["id"] for r in outline if r["kind"] in ("task", "measure")] == [u.id for u in seed.units]
    spans = {r["id"]: r["span"] for r in outline}
    for rec in (*seed.units, *seed.sections, *seed.boxes):
        assert spans[rec.id] == [rec.span.start, rec.span.end], rec.id
    parents = {s.id: s.parent for s in seed.sections}
    assert all(r["parent"] == parents[r["id"]] for r in outline if r["id"] in parents)


def test_indicators(kg, seed):
    rows = kg.indicators()
    assert [(r["name"], r["unit"], r["baseline"], r["target"]) for r in rows] == [
        (i.name, i.unit, i.baseline, i.target) for i in seed.indicators]
    assert rows[0]["source"] == "广州市市场监督管理局" and rows[0]["baseline_year"] == 2020


def test_every_task_quotes_its_text(kg, seed):
    text = seed.document.text
    for unit in seed.units:
        t = kg.task(unit.id)
        us, ue = t["span"]
        assert (us, ue) == (unit.span.start, unit.span.end) and t["text"] == text[us:ue]
        assert len(t["clauses"]) == len(unit.clauses)
        for c, rec in zip(t["clauses"], unit.clauses):
            assert text[c["span"][0]:c["span"][1]] == c["quote"] == rec.span.quote
            assert t["text"][c["unit_span"][0]:c["unit_span"][1]] == c["quote"]
            assert c["sentence_span"] == [rec.sentence.start, rec.sentence.end]
        assert sorted((a["agency"], a["role"], tuple(a["span"])) for a in t["assignments"]) == sorted(
            (a.agency, a.role.value, (a.span.start, a.span.end)) for a in unit.assignments)
        for key in ("assignments", "references", "places", "mentions"):
            for o in t[key]:
                assert text[o["span"][0]:o["span"][1]] == o["quote"]
                assert t["text"][o["unit_span"][0]:o["unit_span"][1]] == o["quote"]
        assert sorted(tuple(p["span"]) for p in t["places"]) == sorted((m.span.start, m.span.end) for m in unit.places)
        assert [b["id"] for b in t["boxes"]] == list(unit.boxes)


def test_task_detail(kg, seed):
    t = kg.task("t12")
    assert t["id"] == f"{seed.document.id}/t12" and t["kind"] == "task" and t["section_title"]
    assert [b["number"] for b in t["boxes"]] == ["2"]
    assert t["boxes"][0]["body"] == seed.boxes[1].body.quote
    assert 0 < len(t["connected"]) <= 3  # its 3 strongest links, each weighing what the reasons state
    assert all(abs(c["weight"] - sum(float(r.rsplit(" (", 1)[1][:-1]) for r in c["reasons"])) <= 0.01 * len(c["reasons"])
               for c in t["connected"])
    assert t["connected"] == kg.connected("t12")
    for note in seed.footnotes:  # a footnote whose marker stands in a unit shows with that unit
        holder = next((u for u in seed.units if u.span.start <= note.marker.start < u.span.end), None)
        if holder is not None:
            shown = {f["number"]: f for f in kg.task(holder.id)["footnotes"]}
            assert shown[note.number]["marker_span"] == [note.marker.start, note.marker.end]
            assert shown[note.number]["text"] == note.body.quote


@pytest.mark.parametrize("ref", ["t999", "guangzhou-ip-plan-2021-2025/t0", "nonsense"])
def test_unknown_task(kg, ref):
    with pytest.raises(NotFound) as e:
        kg.task(ref)
    assert str(e.value).startswith(f"unknown task '{ref}'") and "\n" not in str(e.value)


def test_extents_and_sentences_are_the_ones_the_extractor_stored(kg, seed):
    spans = {r["id"]: tuple(r["span"]) for r in kg.outline()}
    for r in [*seed.sections, *seed.units, *seed.boxes]:
        assert spans[r.id] == (r.span.start, r.span.end), r.id
    for u in (u for u in seed.units if u.clauses):
        t = kg.task(u.id)
        assert [c["sentence_span"] for c in t["clauses"]] == [[c.sentence.start, c.sentence.end] for c in u.clauses]


# Network


def test_network_and_metrics(kg):
    G = kg.network()
    assert G is kg.network()  # cached per store version
    rows = kg.metrics()
    assert rows == [dict(r, agency=r["node"]) for r in nw.centrality(nw.collaboration(G))]
    assert rows[0]["label"] == "广州市市场监督管理局"
    # One centrality: the app's collaboration view without filters shows the same figures.
    view = network_views.network_view(kg, "collaboration", limit=None)
    assert [{k: r[k] for k in ("node", "degree", "weighted_degree", "betweenness")} for r in view.centrality] == \
        [{k: r[k] for k in ("node", "degree", "weighted_degree", "betweenness")} for r in rows]


# SPARQL


def test_sparql_select_ask_construct_describe(kg, seed):
    r = kg.sparql("SELECT ?task WHERE { ?task pkg:cooperatingAgency <https://w3id.org/policykg/agency/gz-amr> }")
    assert r.kind == "select" and r.columns == ("task",)
    assert [row["task"] for row in r.rows] == [row["iri"] for row in kg.agency_tasks("市市场监管局", ["cooperate"])]
    assert "task" in r.to_csv().splitlines()[0] and r.to_json().startswith("{")
    assert kg.sparql("ASK { ?t pkg:guidingAgency ?a }").boolean is False
    assert kg.sparql("ASK { ?t pkg:leadAgency ?a }").boolean is True
    c = kg.sparql("CONSTRUCT { ?t pkg:leadAgency ?a } WHERE { ?t pkg:leadAgency ?a }")
    assert c.kind == "graph" and len(c.graph) == len(c.rows) > 40
    assert isomorphic(Graph().parse(data=c.serialize("turtle"), format="turtle"), c.graph)
    d = kg.sparql("DESCRIBE <https://w3id.org/policykg/agency/gz-amr>")
    assert d.kind == "graph" and any(str(o) == "市市场监管局" for o in d.graph.objects())
    limited = kg.sparql("SELECT * WHERE { ?s ?p ?o }", limit=5)
    assert len(limited.rows) == 5 and limited.truncated


@pytest.mark.parametrize("query,message", [
    ("SELEC * WHERE { ?s ?p ?o }", "malformed SPARQL query"),
    ("SELECT * WHERE { ?s ?p ", "malformed SPARQL query"),
    ("DROP ALL", "refusing SPARQL update"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "refusing SPARQL update"),
    ("PREFIX ex: <http://e/>\n# a comment\nDELETE WHERE { ?s ?p ?o }", "refusing SPARQL update"),
])
def test_sparql_errors_are_one_line(kg, query, message):
    with pytest.raises(SparqlError) as e:
        kg.sparql(query)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_canned_queries(kg, seed):
    names = [q["name"] for q in list_queries()]
    assert {"agencies-by-role", "agency-cooperates", "tasks-with-leads", "coassigned-agencies",
            "references-cited-more-than-once", "indicators", "places-by-mentions"} <= set(names)
    for q in list_queries():
        assert q["title"] and q["description"], q["name"]
        assert kg.sparql(canned_query(q["name"])).rows, q["name"]
    by_role = {r["agency"]: r for r in kg.sparql(canned_query("agencies-by-role")).rows}
    for row in kg.agency_counts():
        assert {k: by_role[row["iri"]][k] for k in ("lead", "cooperate", "responsible", "guide", "total")} == {
            k: row[k] for k in ("lead", "cooperate", "responsible", "guide", "total")}
    for name in ("市版权局", "广州市版权局"):
        rows = kg.sparql(canned_query("agency-cooperates", {"name": name})).rows
        assert [r["task"] for r in rows] == [r["iri"] for r in kg.agency_tasks(name, ["cooperate"])]
    leads = kg.sparql(canned_query("tasks-with-leads")).rows
    assert len(leads) == len(seed.units)
    indicators = kg.sparql(canned_query("indicators")).rows
    assert [r["name"] for r in indicators] == [i.name for i in seed.indicators]
    cited = kg.sparql(canned_query("references-cited-more-than-once")).rows
    assert all(r["citations"] > 1 for r in cited)
    with pytest.raises(NotFound, match="unknown query 'agencies'"):
        canned_query("agencies")
    with pytest.raises(QueryError, match="takes no parameter 'who'"):
        canned_query("agency-cooperates", {"who": "x"})


# Exports


def parse_back(data: bytes, fmt: str) -> Graph:
    if FORMATS[fmt].dataset:
        ds = Dataset()
        ds.parse(data=data, format=RDF_PARSE[fmt])
        g = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return Graph().parse(data=data, format=RDF_PARSE[fmt])


@pytest.mark.parametrize("fmt", list(RDF_PARSE))
@pytest.mark.parametrize("selection", [{"task": "t12"}, {"agency": "市版权局"}, {"section": "s3.1", "depth": 0}])
def test_rdf_exports_parse_back_isomorphic(kg, fmt, selection):
    data = kg.export(fmt, **selection)
    source = Graph()
    for q in kg.subgraph(**selection).quads((None, None, None, None)):
        source.add(q[:3])
    assert len(source) > 50
    assert isomorphic(parse_back(data, fmt), source)
    assert kg.export(fmt, **selection) == data  # the same bytes every time


def test_task_neighbourhood(kg, seed):
    unit = seed.unit(f"{seed.document.id}/t12")
    g0, g1 = kg.neighbourhood("t12", depth=0), kg.neighbourhood("t12", depth=1)
    assert len(g0) < len(g1)
    labels = {str(o) for o in g1.objects()}
    assert {a.canonical for a in unit.assignments} <= labels  # agencies with their names
    assert kg.neighbourhood(kg.task("t12")["iri"], 0) == g0 or isomorphic(kg.neighbourhood(kg.task("t12")["iri"], 0), g0)


def _integers_as_integer(g: Graph) -> Graph:
    """Oxigraph stores xsd:nonNegativeInteger (and the other integer types) as xsd:integer."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype == XSD.nonNegativeInteger:
            o = Literal(str(o), datatype=XSD.integer)
        out.add((s, p, o))
    return out


def test_document_export_is_its_named_graph(kg, seed):
    from graph.rdf import extraction_to_graph

    data = kg.export("nquads", doc=seed.document.id)
    assert isomorphic(_integers_as_integer(parse_back(data, "nquads")), _integers_as_integer(extraction_to_graph(seed)))


@pytest.mark.parametrize("fmt,read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_exports_load_back(kg, fmt, read):
    G = kg.network()
    iri = kg.resolve_agency("市版权局")["iri"]
    H = nw.subgraph(G, iri, 1)
    back = read(io.BytesIO(kg.export(fmt, agency="市版权局")))
    assert set(back.nodes) == set(H.nodes)
    assert sorted((u, v) for u, v, *_ in back.edges) == sorted((u, v) for u, v, *_ in H.edges)
    whole = read(io.BytesIO(kg.export(fmt)))
    assert whole.number_of_nodes() == G.number_of_nodes() and whole.number_of_edges() == G.number_of_edges()


def test_matrix_exports(kg):
    matrix = kg.export("agency-matrix").decode().splitlines()
    assert len(matrix) == len(nw.collaboration(kg.network())) + 1
    assert "广州市市场监督管理局" in matrix[0]
    tasks = kg.export("agency-task-matrix", agency="市版权局").decode().splitlines()
    assert "lead" in "".join(tasks[1:])


def test_unknown_export_format_lists_the_known_ones(kg):
    with pytest.raises(ExportError) as e:
        kg.export("n3")
    assert str(e.value) == "unknown format 'n3'; choose one of " + ", ".join(FORMATS)
    assert format_spec("json-ld").dataset and not format_spec("turtle").dataset
    with pytest.raises(QueryError, match="choose one of --agency"):
        kg.export("turtle", agency="市版权局", task="t12")


# Tables for a bureau


DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


def test_csv_and_xlsx_neutralize_formulas(kg):
    rows = kg.agency_tasks("市版权局")
    table = bureau_table(rows)
    assert table[0][:6] == ["文件", "文件标题", "年份", "发文单位", "部分", "章节"] and len(table) == len(rows) + 1
    assert table[1][1:4] == ["广州市知识产权保护和运用“十四五”规划", 2021, "广州市市场监督管理局"]  # every row names its document
    table.append(["x", *DANGEROUS])
    text = to_csv(table)
    for cell in DANGEROUS:
        assert f"'{cell}" in text
    wb = load_workbook(io.BytesIO(to_xlsx(table)))
    last = [c for c in next(wb.active.iter_rows(min_row=len(table), max_row=len(table)))]
    assert [c.value for c in last[1:5]] == [f"'{cell}" for cell in DANGEROUS]
    assert all(c.data_type == "s" for c in last[:5])
    assert not any(c.data_type == "f" for row in wb.active.iter_rows() for c in row)
    records = to_csv([{"a": "=cmd", "b": 3, "c": ["x", "y"]}])
    assert records == "a,b,c\n'=cmd,3,x; y\n"


def test_write_output_is_atomic(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_output(target, "not bytes")  # fails half way through
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.ttl"]
    write_output(target, b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["out.ttl"]
    with pytest.raises(OSError):
        write_output(tmp_path / "missing" / "x.ttl", b"data")
    assert not (tmp_path / "missing").exists()


# Build and update on a small corpus


MINI = "一、任务\n（一）节\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\n2.做好乙事。（市版权局负责）\n"


def test_open_kg_builds_when_missing_and_when_the_corpus_changes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"")
    seen = []
    with open_kg(tmp_path / "data", corpus=corpus, progress=lambda d, t, m: seen.append(m)) as kg:
        assert [d["id"] for d in kg.documents()] == ["mini"] and seen
        assert [r["task"] for r in kg.agency_tasks("市版权局", ["cooperate"])] == ["mini/t1"]
    seen.clear()
    with open_kg(tmp_path / "data", corpus=corpus, progress=lambda d, t, m: seen.append(m)):
        assert seen == []  # up to date: the bad file is remembered, not retried
    (corpus / "mini.txt").write_text(MINI.replace("做好甲事", "做好丙事"), encoding="utf-8")
    with open_kg(tmp_path / "data", corpus=corpus) as kg:
        assert kg.task("mini/t1")["title"] == "做好丙事"
        assert kg.sparql("ASK { ?t eli:title '做好甲事'@zh }").boolean is False


def test_update_needs_the_flag_and_makes_a_new_version(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    report = build([corpus], tmp_path / "data")
    assert report.added == ("mini",) and report.version
    with open_kg(tmp_path / "data", corpus=None) as kg:
        before = kg.version()
        insert = "INSERT DATA { GRAPH <urn:x:notes> { <urn:x:a> rdfs:comment 'note' } }"
        with pytest.raises(SparqlError):
            kg.sparql(insert)
        result = kg.sparql(insert, update=True)
        assert result.kind == "update" and kg.version() != before
        assert kg.sparql("ASK { <urn:x:a> rdfs:comment 'note' }").boolean is True
    with pytest.raises(QueryError, match="nothing to build"):
        build([tmp_path / "nowhere"], tmp_path / "data")


def test_remote_endpoint_answers_as_the_embedded_store(tmp_path):
    from servers import start_oxigraph, stop

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    (corpus / "mini.toml").write_text('jurisdiction = "广州市"\n', encoding="utf-8")
    pid, base = start_oxigraph(tmp_path / "oxigraph")
    try:
        report = build([corpus], tmp_path / "remote-data", base)
        assert report.added == ("mini",)
        assert build([corpus], tmp_path / "remote-data", base).skipped == ("mini",)
        with open_kg(tmp_path / "remote-data", corpus=corpus, endpoint=base) as remote, \
                open_kg(tmp_path / "data", corpus=corpus) as local:
            assert isinstance(remote.backend, RemoteBackend) and isinstance(local.backend, EmbeddedBackend)
            for name in ("市市场监管局", "市版权局"):
                assert remote.agency_tasks(name) == local.agency_tasks(name)
            assert remote.task("t1") == local.task("t1")
            assert remote.outline() == local.outline()
            query = "SELECT ?t ?a WHERE { ?t pkg:leadAgency ?a } ORDER BY ?t"
            assert remote.sparql(query).rows == local.sparql(query).rows
            assert remote.export("nquads", task="t1") == local.export("nquads", task="t1")
            with pytest.raises(SparqlError, match="refusing SPARQL update"):
                remote.sparql("DROP ALL")
    finally:
        stop(pid)


def test_time_limit_stops_a_runaway_query(kg):
    import time

    from graph.query import QueryTimeout

    t0 = time.monotonic()
    with pytest.raises(QueryTimeout, match="stopped"):
        kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=1)
    assert time.monotonic() - t0 < 5  # the query itself would run for minutes
    fine = kg.sparql("SELECT ?t WHERE { ?t pkg:leadAgency ?a } LIMIT 3", timeout=10)
    assert fine.kind == "select" and len(fine.rows) == 3 and fine.truncated is False


def test_the_stored_dataset_still_conforms_to_the_shapes(kg):
    from rdflib import URIRef

    from graph.rdf import validate
    from ontology import iris

    ds = kg.subgraph(doc="guangzhou-ip-plan-2021-2025")
    g = ds.graph(URIRef(str(iris.graph_iri("guangzhou-ip-plan-2021-2025"))))
    assert len(g) > 3000
    conforms, report = validate(g)
    assert conforms, report[:2000]
