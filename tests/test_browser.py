"""Drive the real app in Debian's chromium: every view renders, clicks navigate, the graph draws, no script runs.

The app runs as `streamlit run app.py` on a free loopback port, on a store built into a
temporary folder, and is stopped by its process id. Screenshots go to test-artifacts/
(ignored by git); with POLICYKG_UPDATE_SCREENSHOTS=1 the README's docs/screenshots/ too.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from playwright import sync_api

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, start_process, stop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SEED = "guangzhou-ip-plan-2021-2025"
EVIL = "<img src=x onerror=alert(1)>"
# Markdown a document may hold (tests/fixtures/hostile): none of it may become a link or an image.
URL_AGENCY = "http://evil.invalid/x[x](http://evil.invalid/a)![x](http://evil.invalid/b.png)中心"
LINK_TASK = "4 建设http://evil.invalid/x平台[x](http://evil.invalid/a)与![x](http://evil.invalid/b.png)工程"
GENEROUS = 120_000  # ms; a loaded 2-core machine builds the store and draws the page slowly, not wrongly
READY = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-stale=true]')) return false;
  return [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stCaptionContainer]')]
    .some(e => e.textContent.includes('版本'));
}"""
EVIL_ELEMENTS = ("a[href*='evil.invalid'], img[src*='evil.invalid'], [srcset*='evil.invalid'], "
                 "link[href*='evil.invalid'], iframe[src*='evil.invalid'], source[src*='evil.invalid']")



@pytest.fixture(scope="session", autouse=True)
def chromium_is_installed():
    # tests/run.sh installs Debian's chromium; without it these tests fail rather than skip.
    assert os.path.exists(CHROMIUM), f"no chromium at {CHROMIUM}: run bash tests/run.sh, which installs it"


def start_app(data: Path, corpus: Path, timeout: float = 60.0) -> tuple[int, str]:
    """Start `streamlit run app.py` on a free port; return (pid, base URL)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    env = dict(os.environ, POLICYKG_DATA=str(data), POLICYKG_CORPUS=str(corpus))
    base = f"http://127.0.0.1:{port}"
    return start_process(cmd, port, f"{base}/_stcore/health", timeout, cwd=ROOT, env=env), base


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class Page:
    """A browser page on the app that records dialogs and every request leaving the machine."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        self.dialogs: list[str] = []
        self.remote: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request) -> None:
        url = request.url
        if not url.startswith((self.base, "data:", "blob:", "about:")):
            self.remote.append(url)

    def open(self, query: str = "") -> None:
        """Load the app at `?query` and wait until the script has run and the page is still."""
        self.page.goto(f"{self.base}/{'?' + query if query else ''}", timeout=GENEROUS)
        self.settle()

    def settle(self, timeout: float = GENEROUS) -> None:
        """Wait for Streamlit's own signals, never for network idle (a busy machine keeps it from coming).

        The first run is over when the sidebar's version line (drawn once the graph is open)
        is there, the script is not running and no element is left stale from a rerun.
        """
        self.page.wait_for_function(READY, timeout=timeout, polling=100)

    def graph_frame(self, timeout: float = 15_000):
        """Return the iframe that holds the vis-network drawing, once it has drawn."""
        self.page.wait_for_selector("iframe", timeout=timeout)
        for _ in range(int(timeout / 100)):
            for frame in self.page.frames:
                try:
                    if frame.evaluate("typeof window.pkDrawn === 'number'"):
                        return frame
                except sync_api.Error:
                    continue
            self.page.wait_for_timeout(100)
        raise AssertionError("the network never drew")

    def shot(self, name: str, readme: bool = False) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        if readme and os.environ.get("POLICYKG_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / f"{name}.png")

    def flags(self) -> list:
        """Return window.__pwned in the page and in every frame (None where unset)."""
        out = []
        for frame in self.page.frames:
            try:
                out.append(frame.evaluate("window.__pwned === undefined ? null : window.__pwned"))
            except sync_api.Error:
                out.append(None)
        return out


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture(scope="module")
def seed_app(tmp_path_factory):
    """The app on the shipped corpus, starting from an empty data folder: it builds the store itself."""
    pid, base = start_app(tmp_path_factory.mktemp("browser-data"), ROOT / "corpus")
    yield base
    stop(pid)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    pid, base = start_app(tmp_path_factory.mktemp("browser-hostile"), ROOT / "tests" / "fixtures" / "hostile")
    yield base
    stop(pid)


@pytest.fixture
def page(browser, seed_app):
    p = Page(browser, seed_app)
    yield p
    p.page.close()


VIEWS = [
    # (name, query, Chinese text that must show)
    ("overview", "", "广州市知识产权保护和运用“十四五”规划"),
    ("my-bureau", f"agency={quote('市版权局')}", "广州市版权局"),
    ("task", f"task={quote(SEED + '/t1')}", "完善知识产权法规规章"),
    ("search", f"view=search&q={quote('知识产权质押')}", "知识产权质押"),
    ("network", "view=network", "中心性 Centrality"),
    ("query", "view=query", "示例查询 Example queries"),
    ("export", "view=export", "范围 Subgraph"),
]


@pytest.mark.parametrize("name,query,text", VIEWS, ids=[v[0] for v in VIEWS])
def test_each_view_renders_its_chinese_text(page, name, query, text):
    page.open(query)
    shown = page.page.get_by_text(text, exact=False).first
    shown.wait_for(state="visible", timeout=20_000)
    box = shown.bounding_box()
    assert box and box["width"] > 12 * len(text) * 0.5  # drawn with a CJK font, not collapsed
    assert not page.page.locator("[data-testid=stException]").count()
    if name == "network":
        page.graph_frame()
    page.shot(name, readme=name in ("my-bureau", "network"))
    assert page.remote == [], "the app fetched from the network"
    assert page.dialogs == []


def test_bureau_to_one_of_its_tasks_by_clicking(page):
    page.open(f"agency={quote('市版权局')}")
    page.page.get_by_role("button", name="1 完善知识产权法规规章").first.click()
    page.page.wait_for_url("**task=*", timeout=20_000)
    page.settle()
    assert f"task={quote(SEED + '/t1', safe='')}" in page.page.url or SEED in page.page.url
    page.page.get_by_role("heading", name="1 完善知识产权法规规章").wait_for(timeout=20_000)
    # the highlighted clause is there, and its agency leads on to the bureau again
    assert page.page.locator("mark.pk-clause").count() >= 1
    page.page.get_by_role("button", name="广州市版权局").first.click()
    page.page.wait_for_url("**agency=*", timeout=20_000)
    page.settle()
    page.page.get_by_role("heading", name="广州市版权局").wait_for(timeout=20_000)


def test_network_view_draws_on_a_canvas_inside_the_component(page):
    page.open("view=network")
    frame = page.graph_frame()
    size = frame.evaluate("""() => { const c = document.querySelector('#pk-network canvas');
                                     return c ? [c.width, c.height] : null; }""")
    assert size and size[0] > 100 and size[1] > 100
    nodes = frame.evaluate("window.pkNetwork.body.data.nodes.length")
    assert nodes > 50
    # the drawing is not blank: some pixels differ from the white background
    painted = frame.evaluate("""() => { const c = document.querySelector('#pk-network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 16) if (d[i] < 240) n++; return n; }""")
    assert painted > 100
    assert page.remote == []


def test_dialog_listener_sees_a_real_alert(page):
    """Control for the hostile test: an alert that does run is caught."""
    page.open("view=query")
    page.page.evaluate("alert('probe')")
    assert page.dialogs == ["probe"]


HOSTILE_VIEWS = {  # query → markup that must show as text there
    "": EVIL + "规划",
    f"agency={quote(EVIL)}": EVIL,
    "task=hostile-plan/t1": "建设" + EVIL + "平台",
    f"view=search&q={quote('平台')}": EVIL,
    "view=network": None,
    "view=export": None,
}


def test_hostile_document_runs_no_script(browser, hostile_app):
    p = Page(browser, hostile_app)
    try:
        for query, literal in HOSTILE_VIEWS.items():
            p.open(query)
            if query == "view=network":
                frame = p.graph_frame()
                # hover the hostile agency: vis-network builds its tooltip from the escaped title
                x, y = frame.evaluate("""() => { const n = window.pkNetwork;
                    const id = n.body.data.nodes.get().find(d => (d.name || d.label || '').startsWith('<img')).id;
                    const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""")
                box = p.page.locator("iframe").first.bounding_box()
                p.page.mouse.move(box["x"] + x, box["y"] + y)
                tip = frame.locator("div.vis-tooltip")
                tip.wait_for(state="visible", timeout=10_000)
                assert EVIL in tip.inner_text()
                assert tip.locator("img").count() == 0
                p.shot("hostile-network")
            if literal:
                p.page.get_by_text(literal, exact=False).first.wait_for(timeout=GENEROUS)
            if query == "":
                p.page.get_by_text("一、主要任务").click()  # open the outline: section and box titles show
                p.page.get_by_text("<svg onload=window.__pwned=1>节", exact=False).first.wait_for(timeout=GENEROUS)
            p.page.wait_for_timeout(300)
            assert p.dialogs == [], f"{query}: a script ran: {p.dialogs}"
            assert all(flag is None for flag in p.flags()), f"{query}: window.__pwned was set"
            assert not p.page.locator("img[src=x]").count()
            for frame in p.page.frames:
                assert not frame.locator("img[src=x], svg[onload]").count()
        p.open(f"agency={quote(EVIL)}")
        p.shot("hostile-bureau")
        assert p.remote == []
    finally:
        p.page.close()


LINK_VIEWS = {  # query → text from the document that must show there, literally
    "": "（三）http://evil.invalid/x 链接[x](http://evil.invalid/a)图片![x](http://evil.invalid/b.png)节",
    f"agency={quote(URL_AGENCY)}": URL_AGENCY,
    f"agency={quote('市版权局')}": LINK_TASK,
    "task=hostile-plan/t4": LINK_TASK,
    f"view=search&q={quote('链接')}": "[x](http://evil.invalid/a)图片![x](http://evil.invalid/b.png)",
    "view=network": None,
    "view=query": None,
    "view=export": None,
}


def test_document_markdown_becomes_no_link_and_no_image(browser, hostile_app):
    """A bare URL, a markdown link and a markdown image in a section title, a task title and an
    agency name show as text: no <a> or <img> points at them, in the page or any frame, and
    nothing is requested from their host."""
    p = Page(browser, hostile_app)
    try:
        for query, literal in LINK_VIEWS.items():
            p.open(query)
            if query == "":
                p.page.get_by_text("一、主要任务").click()
            if query == "view=network":
                p.graph_frame(timeout=GENEROUS)
            if query == "view=export":
                p.page.get_by_text("单位 agency", exact=True).first.click()  # an agency scope names the file
                p.settle()
            if literal:
                # what a reader sees: the word joiners that keep markdown from autolinking are invisible
                p.page.wait_for_function("t => document.body.innerText.replaceAll('\\u2060', '').includes(t)",
                                         arg=literal, timeout=GENEROUS)
            p.page.wait_for_timeout(300)
            for frame in p.page.frames:
                found = frame.evaluate(f"""() => [...document.querySelectorAll("{EVIL_ELEMENTS}")]
                                             .map(e => e.outerHTML.slice(0, 200))""")
                assert found == [], f"{query}: live markup from the document: {found}"
                # a link or image to anywhere but the app itself (same-page anchors carry the query string)
                away = frame.evaluate("""() => [...document.querySelectorAll('a[href], img[src]')]
                    .map(e => e.href || e.src).filter(u => { try { const h = new URL(u).hostname;
                      return h && h !== '127.0.0.1'; } catch (e) { return true; } })""")
                assert away == [], f"{query}: {away}"
        assert [u for u in p.remote if "evil.invalid" in u] == [], p.remote
        assert p.remote == []
        assert p.dialogs == []
    finally:
        p.page.close()


def test_upload_a_pdf_see_its_units_and_take_the_division_of_labour_away(page, tmp_path):
    """Issue 10: drop a PDF into the Upload view, see its units by role, download the 分工表."""
    from pdf_writer import plan_pdf

    text = (ROOT / "tests" / "fixtures" / "genre" / "cd-park-table.txt").read_text(encoding="utf-8")
    pdf = tmp_path / "cd-park-table.pdf"
    pdf.write_bytes(plan_pdf(text, "成都市人民政府办公厅"))
    page.open("view=upload")
    p = page.page
    p.locator("input[type=file]").set_input_files(str(pdf))
    p.get_by_text("任务与职责 Units by role").wait_for(timeout=GENEROUS)
    page.settle()
    with p.expect_download(timeout=GENEROUS) as dl:
        p.get_by_role("button", name="分工表 CSV").click()
    got = dl.value
    data = Path(got.path()).read_text(encoding="utf-8-sig")
    assert got.suggested_filename.endswith(".csv")
    assert "编制重点产业链全景图和招商图谱" in data and "市经信局" in data and "牵头" in data
    assert page.remote == [] and page.dialogs == []
    page.shot("upload")


# --------------------------------------------------------------------------- issue 11: history and the task table


def pick(page: Page, label: str, option: str) -> None:
    """Choose an option of the multiselect labelled `label` (its text starts with `option`)."""
    box = page.page.locator("[data-testid=stMultiSelect]").filter(has_text=label)
    box.locator("input").click()
    page.page.get_by_role("option").filter(has_text=option).first.click()
    page.page.keyboard.press("Escape")
    page.settle()


def test_back_and_forward_across_three_views_land_on_them_with_their_state(page):
    """Each view switch and each facet chosen is an entry of the history; Back and Forward rerun the app there."""
    p = page.page

    def landed(url_part: str, shown) -> None:
        p.wait_for_function("s => decodeURIComponent(location.search).includes(s)", arg=url_part, timeout=GENEROUS)
        shown.wait_for(timeout=GENEROUS)
        page.settle()

    bureau = p.get_by_role("heading", name="广州市版权局")
    task = p.get_by_role("heading", name="1 完善知识产权法规规章")
    page.open(f"agency={quote('市版权局')}")  # 1: My bureau of 广州市版权局
    landed("agency=市版权局", bureau)
    p.get_by_role("button", name="1 完善知识产权法规规章").first.click()  # 2: the Task view of t1
    landed(f"task={SEED}/t1", task)
    p.locator("[data-testid=stSidebar]").get_by_text("任务表 Tasks").click()  # 3: the Tasks view
    landed("view=tasks", p.get_by_text("53 / 53"))
    pick(page, "职责 Role", "负责 responsible")  # 4: one facet chosen
    landed("role=responsible", p.get_by_text("10 / 53"))
    p.go_back()
    landed("view=tasks", p.get_by_text("53 / 53"))
    assert "role=" not in p.url
    p.go_back()
    landed(f"task={SEED}/t1", task)
    p.go_back()
    landed("agency=市版权局", bureau)
    p.go_forward()
    landed(f"task={SEED}/t1", task)
    p.go_forward()
    p.go_forward()
    landed("role=responsible", p.get_by_text("10 / 53"))
    assert p.locator("[data-testid=stMultiSelect]").filter(has_text="职责 Role").get_by_text("负责 responsible").count()
    assert not p.locator("[data-testid=stException]").count()
    assert page.remote == [] and page.dialogs == []


def test_the_task_table_filters_by_facets_and_downloads_the_rows_shown(page):
    import csv
    import io

    from openpyxl import load_workbook

    p = page.page
    page.open("view=tasks")
    p.get_by_text("53 / 53").wait_for(timeout=GENEROUS)
    pick(page, "单位 Agency", "广州市版权局（16）")
    p.get_by_text("16 / 53").wait_for(timeout=GENEROUS)
    pick(page, "职责 Role", "配合 cooperate")
    p.get_by_text("7 / 53").wait_for(timeout=GENEROUS)
    p.wait_for_function("() => location.search.includes('role=cooperate') && location.search.includes('agency=')",
                        timeout=GENEROUS)  # the address is written as the rerun ends
    with p.expect_download(timeout=GENEROUS) as dl:
        p.get_by_role("button", name="CSV", exact=True).click()
    assert dl.value.suggested_filename == "任务表.csv"
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["任务编号", "文件"] and len(rows) == 8
    assert all("广州市版权局" in r[rows[0].index("配合")] for r in rows[1:])
    with p.expect_download(timeout=GENEROUS) as dl:
        p.get_by_role("button", name="Excel (.xlsx)", exact=True).click()
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert [row[0].value for row in sheet.iter_rows()] == [r[0] for r in rows]
    page.shot("tasks-table")
    assert not p.locator("[data-testid=stException]").count()
    assert page.remote == [] and page.dialogs == []
