"""The registries: every format round-trips, every role has its label, term, colour and words, every error one base."""

from __future__ import annotations

import inspect
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from graph import errors, formats
from graph.formats import FORMATS, lookup
from graph.terms import quad_to_rdflib
from ontology.errors import PolicyKGError
from ontology.terms import Role

RDF = formats.rdf_formats()
NETWORK = [f for f in FORMATS.values() if f.kind == "network"]


# --------------------------------------------------------------------------- formats


@pytest.fixture(scope="module")
def seed_quads(tmp_path_factory):
    from graph.query import open_kg

    data = tmp_path_factory.mktemp("registry-data")
    with open_kg(data, "corpus") as kg:
        return kg.export("nquads")


@pytest.mark.parametrize("fmt", RDF, ids=lambda f: f.name)
def test_every_rdf_format_round_trips_to_an_isomorphic_graph(seed_quads, fmt):
    quads = list(ox.parse(seed_quads, ox.RdfFormat.N_QUADS))
    written = formats.serialize_quads(quads, fmt.name)
    # Read back by Oxigraph: the same triples (blank nodes aside: compared by isomorphism below)
    again = list(ox.parse(written, fmt.ox_format()))
    assert len({q.triple for q in again}) == len({q.triple for q in quads})
    if fmt.dataset:
        assert {q.graph_name for q in again} == {q.graph_name for q in quads}
    # and as rdflib graphs, compared by isomorphism
    expected, got = Graph(), Graph()
    for q in quads:
        expected.add(quad_to_rdflib(q))
    for q in again:
        got.add(quad_to_rdflib(q))
    assert isomorphic(expected, got)
    assert to_isomorphic(expected) == to_isomorphic(got)


@pytest.mark.parametrize("fmt", RDF, ids=lambda f: f.name)
def test_every_rdf_format_is_written_the_same_twice(seed_quads, fmt):
    quads = list(ox.parse(seed_quads, ox.RdfFormat.N_QUADS))
    assert formats.serialize_quads(quads, fmt.name) == formats.serialize_quads(list(reversed(quads)), fmt.name)


@pytest.mark.parametrize("fmt", NETWORK, ids=lambda f: f.name)
def test_every_network_format_writes_bytes(fmt):
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("a", kind="agency", label="=甲局")
    G.add_node("t", kind="task", label="任务", rid="d/t1")
    G.add_edge("t", "a", type="lead", role="lead")
    out = fmt.write(G)
    assert isinstance(out, bytes) and out


def test_every_name_alias_extension_and_media_type_finds_its_format():
    seen: dict[str, str] = {}
    for f in FORMATS.values():
        assert f.kind in ("rdf", "network") and f.media_type and f.extension and f.description
        assert (f.oxigraph is not None) == (f.kind == "rdf")
        assert (f.write is not None) == (f.kind == "network")
        for n in f.names:
            if n == "csv":
                continue  # two matrices share the extension; they are asked for by name
            assert seen.setdefault(n, f.name) == f.name, f"{n} names two formats"
            assert lookup(n).name == f.name and lookup(n.upper()).name == f.name
        if f.kind == "rdf":
            assert lookup(f.media_type).name == f.name
            assert formats.GRAPH_MEDIA_TYPES[f.media_type] == f.name
            assert all(formats.RDF_FORMATS[n] == f.ox_format() for n in f.names)


LOOKUP_CASES = [("ttl", "turtle"), ("jsonld", "json-ld"), ("nq", "nquads"), ("ntriples", "nt"), ("rdfxml", "xml"),
                ("text/turtle", "turtle"), ("gexf", "gexf"), (" Turtle ", "turtle")]


@pytest.mark.parametrize("name, expected", LOOKUP_CASES)
def test_lookup(name, expected):
    assert lookup(name).name == expected


@pytest.mark.parametrize("name, kind", [("n3", None), ("csv", None), ("graphml", "rdf"), ("turtle", "network")])
def test_lookup_refuses_in_one_line(name, kind):
    with pytest.raises(errors.ExportError, match=f"unknown format '{name}'; choose one of") as e:
        lookup(name, kind)
    assert "\n" not in str(e.value)


def test_store_and_remote_read_formats_from_the_registry():
    from graph import remote, store

    assert store.RDF_FORMATS is formats.RDF_FORMATS
    assert remote._GRAPH_TYPES is formats.GRAPH_MEDIA_TYPES


# --------------------------------------------------------------------------- errors


def test_every_graph_error_derives_from_the_one_base():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, BaseException)]
    assert len(classes) > 10
    assert all(issubclass(c, PolicyKGError) for c in classes)


def test_old_homes_still_export_the_errors():
    from graph import export, guard, query, remote, store

    assert query.QueryError is errors.QueryError and query.NotFound is errors.NotFound
    assert store.StoreError is errors.StoreError and store.StoreLocked is errors.StoreLocked
    assert remote.EndpointError is errors.EndpointError and guard.Refused is errors.Refused
    assert export.ExportError is errors.ExportError


def test_the_cli_prints_any_error_of_the_base_in_one_line(capsys, monkeypatch):
    from graph import cli

    def boom(args):
        raise errors.Busy("busy:\n  too many\tqueries")

    args = cli.parser().parse_args(["queries"])
    args.func = boom
    monkeypatch.setattr(cli.Parser, "parse_args", lambda self, argv=None: args)
    assert cli.main(["queries"]) == 1
    assert capsys.readouterr().err == "policykg: busy: too many queries\n"


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_has_a_label_a_term_a_colour_and_its_words(role):
    from rdflib.namespace import SKOS

    from extract.clauses import CUE_WORDS, LABEL_WORDS
    from graph import network, viz
    from graph.rdf import ROLE_SHORTCUT
    from ontology.namespaces import PKG
    from ontology.terms import ROLE_COLORS, ROLE_ORDER, ROLE_ZH

    assert role in ROLE_ORDER
    assert ROLE_ZH[role.value] and ROLE_COLORS[role.value].startswith("#")
    # one home: the other modules read these tables, they do not copy them
    assert viz.ROLE_COLORS is ROLE_COLORS and network.ROLE_COLORS is ROLE_COLORS and viz.ROLE_LABELS is ROLE_ZH
    from extract import serialize

    assert serialize.ROLE_ZH is ROLE_ZH
    # its term: a concept of the vocabulary with a zh label, and a one-hop shortcut property
    vocab = Graph().parse(Path(__file__).resolve().parent.parent / "ontology" / "vocab.ttl")
    term = PKG[role.value]
    assert (term, SKOS.prefLabel, None) in vocab or any(vocab.objects(term, None))
    assert role.value in ROLE_SHORTCUT and ROLE_SHORTCUT[role.value] in set(vocab.subjects())
    # its words: a label word and a cue word of the clause grammar
    assert role in LABEL_WORDS.values() and role in CUE_WORDS.values()


def test_roles_have_distinct_labels_and_colours():
    from ontology.terms import ROLE_COLORS, ROLE_ORDER, ROLE_ZH

    assert list(ROLE_ZH) == list(ROLE_COLORS) == [r.value for r in ROLE_ORDER]
    assert len(set(ROLE_ZH.values())) == len(set(ROLE_COLORS.values())) == len(ROLE_ORDER)


def test_every_app_view_has_a_cli_twin():
    import ast

    from graph.cli import parser
    from graph.views.links import CLI_TWIN, VIEWS

    tree = ast.parse((Path(__file__).resolve().parent.parent / "app.py").read_text(encoding="utf-8"))
    (render,) = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 and any(getattr(t, "id", None) == "RENDER" for t in n.targets)]
    drawn = [k.value for k in render.keys]
    assert drawn == list(VIEWS) == list(CLI_TWIN)
    commands = next(a for a in parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert [v for v in VIEWS if CLI_TWIN[v] not in commands] == []
