"""SPARQL without reach: SERVICE and LOAD are refused on every read path; heavy queries are gated.

A listener on 127.0.0.1 (a socket server thread on a free port) stands for an internal host:
it must receive nothing from a SERVICE or LOAD sent through the embedded store, a remote
endpoint, `policykg sparql`, a canned query or the app. The controls (`--allow-service`)
show that the same query does reach it when federation is allowed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from servers import start_oxigraph, stop
from streamlit.testing.v1 import AppTest

from graph import guard
from graph.guard import Busy, Gate, Refused, check, reaching
from graph.query import open_kg

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"

CASES = [  # (text, what reaches out)
    ("SELECT * WHERE { SERVICE <http://h/s> { ?s ?p ?o } }", [("SERVICE", "<http://h/s>")]),
    ("select * { sErViCe silent <http://h/s> { ?s ?p ?o } }", [("SERVICE", "<http://h/s>")]),
    ("SELECT * { # SELECT only\n SERVICE\n# still a comment\n<http://h/s> { ?s ?p ?o } }", [("SERVICE", "<http://h/s>")]),
    ("PREFIX h: <http://h/> SELECT * { SERVICE h:s { ?s ?p ?o } }", [("SERVICE", "h:s")]),
    ("SELECT * { ?s ?p ?o OPTIONAL { { SELECT * { SERVICE ?where { ?a ?b ?c } } } } }", [("SERVICE", "?where")]),
    ("SELECT * { { ?s ?p ?o } UNION { MINUS { SERVICE <http://h/> { } } } }", [("SERVICE", "<http://h/>")]),
    ("ASK { FILTER EXISTS { SERVICE <http://h/> { ?s ?p ?o } } }", [("SERVICE", "<http://h/>")]),
    ("LOAD <http://h/data.ttl>", [("LOAD", "<http://h/data.ttl>")]),
    ("load silent <http://h/d> into graph <urn:g>", [("LOAD", "<http://h/d>")]),
    ("PREFIX x: <urn:x:> # LOAD\nINSERT DATA { x:a x:b x:c } ; LOAD <http://h/d>", [("LOAD", "<http://h/d>")]),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://h/> { ?s ?p ?o } }", [("SERVICE", "<http://h/>")]),
    # rdflib cannot parse RDF-star: the token scanner still finds the keyword
    ("SELECT * { << ?a ?b ?c >> ?p ?o . SERVICE <http://h/> { } }", [("SERVICE", "<http://h/>")]),
    ("SELECT * { ?s ?p ?o . Service<http://h/>{} ", [("SERVICE", "<http://h/>")]),  # malformed, still refused
    # not a clause: strings, IRIs, variables, prefixed names, comments
    ('SELECT * { ?s ?p "SERVICE <http://h/>" }', []),
    ("SELECT * { ?s ?p '''LOAD <http://h/>''' }", []),
    ("SELECT ?service ?load { ?service <http://h/SERVICE> ?load }", []),
    ("PREFIX service: <urn:s:> SELECT * { service:load service:x ?o }", []),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://h/>", []),
    ("SELECT * { ?s ?p ?o . FILTER(CONTAINS(STR(?o), 'service')) }", []),
    ("INSERT DATA { <urn:a> <urn:b> 'LOAD' }", []),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_reaching_finds_service_and_load_however_written(text, expected):
    assert reaching(text) == expected


@pytest.mark.parametrize("text,expected", [c for c in CASES if c[1]])
def test_check_refuses_in_one_line_unless_allowed(text, expected):
    with pytest.raises(Refused) as e:
        check(text)
    message = str(e.value)
    assert "\n" not in message and message.startswith(f"refusing SPARQL {expected[0][0]}")
    check(text, allow_service=True)


# --------------------------------------------------------------------------- the listener


class Listener:
    """Accept connections on a free loopback port; record each; answer an empty SPARQL result."""

    BODY = b'{"head":{"vars":[]},"results":{"bindings":[]}}'

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.hits: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.hits.append(conn.recv(4096) or b"(connected)")
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(self.BODY), self.BODY))
                except OSError:
                    self.hits.append(b"(connected)")

    def wait(self, seconds: float = 5.0) -> list[bytes]:
        """Return the hits, waiting up to `seconds` for a first one (for the controls)."""
        deadline = time.monotonic() + seconds
        while not self.hits and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.hits

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    ear = Listener()
    yield ear
    ear.close()


def service(url: str) -> str:
    # comments, odd case and a prefix: the forms a string match would miss
    return (f"PREFIX far: <{url.rsplit('/', 1)[0]}/>\nSELECT * WHERE {{ ?s ?p ?o # harmless\n"
            f"  OPTIONAL {{ sErViCe SILENT far:sparql {{ ?s ?p ?x }} }} }} LIMIT 1")


def load(url: str) -> str:
    return f"# just a comment\nload SILENT <{url}> INTO GRAPH <urn:pwned>"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("guard-data")
    open_kg(data, HOSTILE).close()
    return data


# --------------------------------------------------------------------------- embedded store


@pytest.mark.parametrize("timeout", [None, 20.0], ids=["in-process", "time-limited child"])
def test_embedded_store_refuses_service_and_load(store, listener, timeout):
    with open_kg(store, None) as kg:
        with pytest.raises(Refused, match="SERVICE"):
            kg.sparql(service(listener.url), timeout=timeout)
        with pytest.raises(Refused, match="LOAD"):
            kg.sparql(load(listener.url), update=True)
        assert kg.sparql("ASK { GRAPH <urn:pwned> { ?s ?p ?o } }").boolean is False
    time.sleep(0.3)
    assert listener.hits == []


def test_control_embedded_store_reaches_the_listener_when_allowed(store, listener):
    with open_kg(store, None) as kg:
        kg.sparql(service(listener.url), allow_service=True)
    assert listener.wait(), "the listener heard nothing: the refusal tests would prove nothing"


# --------------------------------------------------------------------------- remote endpoint


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    pid, base = start_oxigraph(tmp_path_factory.mktemp("guard-oxigraph"))
    try:
        open_kg(tmp_path_factory.mktemp("guard-remote-data"), HOSTILE, endpoint=base).close()
        yield base
    finally:
        stop(pid)


def test_remote_endpoint_is_never_sent_service_or_load(endpoint, listener):
    with open_kg(None, None, endpoint=endpoint) as kg:
        with pytest.raises(Refused, match="SERVICE"):
            kg.sparql(service(listener.url))
        with pytest.raises(Refused, match="LOAD"):
            kg.sparql(load(listener.url), update=True)
    time.sleep(0.3)
    assert listener.hits == []


def test_control_remote_endpoint_reaches_the_listener_when_allowed(endpoint, listener):
    with open_kg(None, None, endpoint=endpoint) as kg:
        kg.sparql(service(listener.url), allow_service=True)
    assert listener.wait()


# --------------------------------------------------------------------------- policykg sparql


def policykg(*args: str, data: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("policykg")
    cmd = [exe] if exe else [sys.executable, "-m", "graph.cli"]
    return subprocess.run([*cmd, *args, "--data", str(data), "--corpus", str(HOSTILE)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_refuses_service_and_load_in_one_line(store, listener, tmp_path):
    rq = tmp_path / "far.rq"
    rq.write_text(service(listener.url), encoding="utf-8")
    for args in ([service(listener.url)], [f"@{rq}"], [load(listener.url), "--update"],
                 [service(listener.url), "--timeout", "20"]):
        done = policykg("sparql", *args, data=store)
        assert done.returncode == 1, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("policykg: refusing SPARQL "), done.stderr
        assert done.stdout == ""
    time.sleep(0.3)
    assert listener.hits == []


def test_canned_query_parameters_cannot_smuggle_a_service(store, listener):
    smuggled = f'x" }} SERVICE <{listener.url}> {{ ?a ?b ?c }} {{ ?t ?r "y'
    done = policykg("sparql", "agency-cooperates", "--param", f"name={smuggled}", "--format", "csv", data=store)
    assert done.returncode == 0, done.stderr
    time.sleep(0.3)
    assert listener.hits == []


def test_control_cli_allow_service_reaches_the_listener(store, listener):
    done = policykg("sparql", service(listener.url), "--allow-service", data=store)
    assert done.returncode == 0, done.stderr
    assert listener.wait()


# --------------------------------------------------------------------------- the app


def test_app_query_view_refuses_service_and_load(store, listener, monkeypatch):
    monkeypatch.setenv("POLICYKG_DATA", str(store))
    monkeypatch.setenv("POLICYKG_CORPUS", str(HOSTILE))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["view"] = "query"
    at.run()
    for text, word in ((service(listener.url), "SERVICE"), (load(listener.url), "LOAD")):
        at.text_area(key="sparql").set_value(text).run()
        at.button(key="run-sparql").click().run()
        assert not at.exception
        (error,) = at.error
        shown = error.value.replace("\\", "")
        assert shown.startswith(f"refusing SPARQL {word}") and "\n" not in shown
        assert not at.dataframe
    time.sleep(0.3)
    assert listener.hits == []


# --------------------------------------------------------------------------- how many at once


def test_gate_lets_n_in_and_tells_the_next_it_is_busy():
    g = Gate(2, wait=0.2)
    with g.slot(), g.slot():
        t = time.monotonic()
        with pytest.raises(Busy, match="^busy: 2 heavy queries"):
            with g.slot():
                pass
        assert 0.15 < time.monotonic() - t < 2
    with g.slot():  # places come back
        pass


def test_a_waiting_query_runs_once_a_place_is_free():
    g = Gate(1, wait=5)
    ran = []
    with g.slot():
        worker = threading.Thread(target=lambda: g.slot().__enter__() or ran.append(1))
        worker.start()
        time.sleep(0.2)
        assert ran == []
    worker.join(5)
    assert ran == [1]


def test_sparql_is_gated_by_policykg_max_queries(store, monkeypatch):
    monkeypatch.setenv("POLICYKG_MAX_QUERIES", "1")
    monkeypatch.setenv("POLICYKG_QUERY_WAIT", "0.1")
    guard.gate.cache_clear()
    try:
        assert guard.gate().limit == 1
        with open_kg(store, None) as kg:
            with guard.slot():
                with pytest.raises(Busy):
                    kg.sparql("ASK { ?s ?p ?o }")
            assert kg.sparql("ASK { ?s ?p ?o }").boolean is True
    finally:
        guard.gate.cache_clear()


def test_default_gate_is_the_number_of_cores(monkeypatch):
    monkeypatch.delenv("POLICYKG_MAX_QUERIES", raising=False)
    guard.gate.cache_clear()
    try:
        assert guard.gate().limit == (os.cpu_count() or 1)
    finally:
        guard.gate.cache_clear()
