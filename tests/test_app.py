"""The web app as a person uses it: real server, headless Chromium, and the gradio_client API."""
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server import running_app

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
UPLOAD_TEXT = "星海市垃圾分类管理办法\n第一条 居民应当将厨余垃圾投放到绿色收集容器。\n第二条 违反本办法的，由城市管理部门责令改正。\n"


@pytest.fixture(scope="module")
def server(real_qa, real_index_dir, tmp_path_factory):
    """Loopback, no accounts: the one local user manages documents without logging in."""
    user_dir = tmp_path_factory.mktemp("user")
    with running_app("--index", str(real_index_dir), "--user-dir", str(user_dir),
                     users_file=user_dir.parent / "no-users.json") as url:
        yield url, user_dir


def test_binds_to_localhost_only(server):
    url, _ = server
    assert url.startswith("http://127.0.0.1:")


def test_gradio_client_example_from_the_readme(server):
    url, _ = server
    from gradio_client import Client
    client = Client(url, verbose=False)
    result = client.predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")
    assert result["found"] and "上级纪委" in result["answer"]
    assert result["citations"][0]["clause"] == "（十四）"
    bad = client.predict("", api_name="/ask")
    assert "error" in bad
    from bench.load import HttpClient          # the curl-style call of the README: three inputs, no client
    assert HttpClient(url).predict("党费按什么比例缴纳？")["found"] is False


@contextmanager
def launch_chromium():
    """Debian's chromium (Playwright's own download cannot work offline)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(server):
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (scripts/browser-deps.sh installs it)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with launch_chromium() as browser:
        pg = browser.new_page(viewport={"width": 1360, "height": 900})
        pg.goto(server[0])
        pg.wait_for_selector("#question textarea", timeout=60000)
        yield pg


def ask(page, question: str, expect: str):
    n = page.locator(".message-row, [data-testid='bot']").count()
    page.wait_for_function("() => document.querySelector('#question textarea').value === ''", timeout=30000)
    page.wait_for_timeout(300)        # let the previous answer's outputs settle before typing
    page.fill("#question textarea", question)
    page.click("#send")
    try:
        page.wait_for_function(
            "([n, t]) => { const b = document.querySelectorAll(\"[data-testid='bot']\");"
            " return b.length > 0 && b[b.length - 1].innerText.includes(t); }", arg=[n, expect], timeout=60000)
    except Exception:
        page.screenshot(path=str(SHOTS / "failed.png"), full_page=True)
        raise


def open_citation(page, n: int = 1, bot=None):
    """Click [n] in an answer (the newest by default); the source card it opened."""
    bot = bot or page.locator("[data-testid='bot']").last
    link = bot.locator(f"a[href^='#cite-'][href$='-{n}']").first
    target = link.get_attribute("href")[1:]
    link.click()
    cite = page.locator(f"#sources #{target}")
    cite.wait_for(timeout=20000)
    page.wait_for_function("id => document.getElementById(id)?.open", arg=target, timeout=20000)
    return cite


def test_ask_see_answer_and_open_its_citation(page):
    ask(page, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
    page.screenshot(path=str(SHOTS / "1-answer.png"), full_page=True)
    cite = open_citation(page)
    assert "（十四）" in cite.inner_text()
    assert "向上级纪委和同级党委主要负责人报告" in cite.locator("mark").first.inner_text()
    # view the clause inside the whole document
    page.locator("#pick label").first.click()
    page.wait_for_selector("#docview .focus", timeout=20000)
    assert "（十四）" in page.locator("#docview .focus").inner_text()
    page.screenshot(path=str(SHOTS / "2-citation.png"), full_page=True)


def test_follow_up_in_the_same_chat(page):
    ask(page, "那如果不报告呢？", "依规依纪严肃追究责任")


def _own_page(page, server, viewport=None, dark=False):
    """A page in its own browser context (clipboard allowed), in a new conversation."""
    ctx = page.context.browser.new_context(viewport=viewport or {"width": 1366, "height": 900},
                                           color_scheme="dark" if dark else "light")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server[0].rstrip("/"))
    pg = ctx.new_page()
    pg.goto(server[0])
    pg.wait_for_selector("#question textarea", timeout=60000)
    pg.wait_for_timeout(1000)            # the latest conversation is restored on load
    pg.click("#new-chat")
    pg.wait_for_function("() => document.querySelectorAll(\"[data-testid='bot']\").length === 0", timeout=20000)
    return pg


VIEWS = [pytest.param(False, {"width": 1366, "height": 900}, id="light-desktop"),
         pytest.param(True, {"width": 1366, "height": 900}, id="dark-desktop"),
         pytest.param(False, {"width": 390, "height": 844}, id="light-phone"),
         pytest.param(True, {"width": 390, "height": 844}, id="dark-phone")]


@pytest.mark.parametrize("dark, viewport", VIEWS)
def test_an_earlier_answers_citation_opens_its_own_source(page, server, dark, viewport):
    pg = _own_page(page, server, viewport=viewport, dark=dark)
    try:
        ask(pg, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
        ask(pg, "太原疫情期间抽调了多少名市直机关干部下沉一线？", "825")
        first, newest = pg.locator("[data-testid='bot']").nth(-2), pg.locator("[data-testid='bot']").last
        cite = open_citation(pg, 1, first)           # the panel showed the newest answer's sources
        assert "（十四）" in cite.locator("summary").inner_text() and "一把手" in cite.inner_text()
        assert "第 1 个回答的出处" in pg.locator("#sources").inner_text()
        pg.locator("#sources button.qa-copy").click()
        copied = pg.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("纪委书记 → 上级纪委和同级党委主要负责人（报告）[1]"), copied
        assert copied.endswith("出处：\n[1] 《中共中央关于加强对“一把手”和领导班子监督的意见》（十四）"), copied
        assert "\\" not in copied and "#cite" not in copied and ".txt" not in copied
        cite = open_citation(pg, 1, newest)
        assert "政治生态" in cite.locator("summary").inner_text()
        assert "第 2 个回答的出处" in pg.locator("#sources").inner_text()
        newest.locator("a[href^='#copy-']").click()          # the link in the answer copies the same way
        assert "825名市直机关干部" in pg.evaluate("navigator.clipboard.readText()")
    finally:
        pg.context.close()


def test_a_conversation_is_kept_across_reloads_renamed_exported_and_deleted(page, server, tmp_path):
    import docx
    import urllib.request
    pg = _own_page(page, server)
    try:
        ask(pg, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
        ask(pg, "那如果不报告呢？", "依规依纪严肃追究责任")
        pg.reload()
        pg.wait_for_function("() => document.querySelectorAll(\"[data-testid='bot']\").length === 2", timeout=30000)
        assert pg.locator("#conv-pick input").input_value().startswith("纪委书记发现班子成员有重要问题")
        assert "（十四）" in open_citation(pg, 1, pg.locator("[data-testid='bot']").first).inner_text()
        ask(pg, "它的第二款呢", "")                          # the follow-up context came back too
        pg.locator("#manage").get_by_text("管理对话").click()
        pg.fill("#conv-title textarea, #conv-title input", "纪检监察问答")
        pg.click("#rename")
        pg.wait_for_function("() => document.querySelector('#conv-pick input').value.startsWith('纪检监察问答')",
                             timeout=20000)
        pg.click("#export-docx")
        link = pg.locator("#exported a").first
        link.wait_for(timeout=30000)
        href = link.get_attribute("href")
        saved = tmp_path / "export.docx"
        saved.write_bytes(urllib.request.urlopen(href if href.startswith("http") else server[0].rstrip("/") + href).read())
        text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
        assert text.startswith("纪检监察问答") and "1. 纪委书记发现班子成员有重要问题，应该向谁报告？" in text
        assert "[1] 《中共中央关于加强对“一把手”和领导班子监督的意见》（十四）" in text
        assert "「发现存在重要问题的，向上级纪委和同级党委主要负责人报告，全面准确反映情况。」" in text
        pg.once("dialog", lambda d: d.dismiss())              # asked first; cancelled: nothing happens
        pg.click("#delete-chat")
        pg.wait_for_timeout(1500)
        assert pg.locator("[data-testid='bot']").count() == 3
        pg.once("dialog", lambda d: d.accept())
        pg.click("#delete-chat")
        pg.wait_for_function("() => document.querySelectorAll(\"[data-testid='bot']\").length === 0", timeout=20000)
        assert not pg.locator("#exported").is_visible()
        pg.locator("#conv-pick input").click()
        pg.wait_for_selector("[role='option']", timeout=10000)
        assert not [o for o in pg.locator("[role='option']").all_inner_texts() if "纪检监察问答" in o]
    finally:
        pg.context.close()


def test_clearing_the_chat_clears_the_follow_up_context_and_the_sources(page, server):
    pg = _own_page(page, server)
    try:
        ask(pg, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
        pg.locator("#chat button[aria-label='清空对话']").first.click()   # the trash icon
        pg.wait_for_function("() => document.querySelectorAll(\"[data-testid='bot']\").length === 0", timeout=20000)
        pg.wait_for_function("() => document.querySelector('#sources').innerText.includes('提问后，这里显示')",
                             timeout=20000)
        ask(pg, "那如果不报告呢？", "")
        assert "第 1 个回答的出处" in pg.locator("#sources").inner_text()     # a new conversation, no context
    finally:
        pg.context.close()


CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, colour;
  while (bg && ((colour = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)' || colour === 'transparent')) bg = bg.parentElement;
  const [a, b] = [lum(getComputedStyle(el).color), lum(colour || 'rgb(255,255,255)')];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("dark, viewport", VIEWS)
def test_readable_in_light_and_dark_at_desktop_and_phone_width_in_chinese(page, server, dark, viewport):
    pg = _own_page(page, server, viewport=viewport, dark=dark)
    try:
        assert pg.evaluate("() => document.querySelector('.gradio-container, body').closest('.dark') !== null"
                           " || document.body.classList.contains('dark')") == dark
        # Gradio's own strings in Chinese, though this browser asks for English
        assert pg.evaluate("() => navigator.language") == "zh-CN"
        ask(pg, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
        assert pg.locator("#chat button[aria-label='清空对话']").count() == 1
        cite = open_citation(pg)
        pg.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect();"
                             " return r.top >= 0 && r.top < innerHeight; }",        # [n] brought its source into view
                             arg=cite.get_attribute("id"), timeout=5000)
        for el in (cite.locator(".passage"), cite.locator("summary"), cite.locator("mark").first):
            assert el.evaluate(CONTRAST) >= 4.5, (dark, el)
        pg.locator("#pick label").first.click()
        pg.wait_for_selector("#docview .focus", timeout=20000)
        assert pg.locator("#docview .focus").evaluate(CONTRAST) >= 4.5
        assert pg.locator("#docview .qa-doc").evaluate(CONTRAST) >= 4.5
        pg.get_by_role("tab", name="报告关系").click()
        cell = pg.locator("#relations td").first
        cell.wait_for()
        if viewport["width"] < 640:           # on a phone each relation is a card, not 1–3 characters a line
            assert cell.bounding_box()["width"] > viewport["width"] * 0.6
        else:
            assert pg.locator("#relations tr").nth(1).bounding_box()["width"] > viewport["width"] * 0.4
        assert cell.evaluate(CONTRAST) >= 4.5
        pg.get_by_role("tab", name="文档").click()
        assert "点击上传" in pg.locator("#upload").inner_text()
        pg.screenshot(path=str(SHOTS / f"6-{'dark' if dark else 'light'}-{viewport['width']}.png"), full_page=True)
    finally:
        pg.context.close()


def test_not_found_is_visible(page):
    ask(page, "党费按什么比例缴纳？", "文档中没有")
    assert "可能相关" in page.locator("#sources").inner_text()


REFUSED = "纪委书记谈话提醒要在几个工作日内完成？"     # on topic, but no time limit is given


def check_refusal_looks_like_one(page):
    ask(page, REFUSED, "文档中没有规定")
    bot = page.locator("[data-testid='bot']").last
    assert "文档中没有答案" in bot.inner_text()                       # the verdict is in the answer itself
    refusal_line = bot.inner_text().split("相关规定（不是答案）")[0]
    assert "[1]" not in refusal_line                                  # nothing is cited for what is not there
    folded = bot.locator("details")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    assert "相关规定（不是答案）" in folded.locator("summary").inner_text()
    assert not bot.locator("details a[href^='#cite-']").first.is_visible()   # related sentences stay folded
    folded.locator("summary").click()
    assert bot.locator("details a[href^='#cite-']").first.is_visible()
    return bot


def test_a_refusal_looks_like_a_refusal_on_desktop(page):
    bot = check_refusal_looks_like_one(page)
    page.screenshot(path=str(SHOTS / "4-refusal.png"), full_page=True)
    assert bot.bounding_box()["width"] > 300


def test_a_refusal_looks_like_a_refusal_on_a_phone(page, server):
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone.goto(server[0])
        phone.wait_for_selector("#question textarea", timeout=60000)
        bot = check_refusal_looks_like_one(phone)
        phone.screenshot(path=str(SHOTS / "5-refusal-phone.png"), full_page=True)
        # the verdict is the bubble's first line, not a panel 1000 px below
        verdict = bot.get_by_text("文档中没有答案").first.bounding_box()
        assert verdict["y"] - bot.bounding_box()["y"] < 60
    finally:
        phone.close()


def test_html_in_a_question_is_shown_not_run(page):
    payload = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>纪委"
    page.fill("#question textarea", payload)
    page.click("#send")
    page.wait_for_function("() => document.body.innerText.includes('onerror')", timeout=60000)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("[data-testid='user'] img[src='x']").count() == 0


def test_relations_tab(page):
    page.get_by_role("tab", name="报告关系").click()
    table = page.locator("#relations")
    table.wait_for()
    assert "纪委书记" in table.inner_text() and "上级纪委和同级党委主要负责人" in table.inner_text()
    page.get_by_label("报告人包含").fill("中央委员会")
    page.wait_for_function("() => !document.querySelector('#relations').innerText.includes('受委托人')",
                           timeout=20000)
    assert "党中央" in table.inner_text()
    page.screenshot(path=str(SHOTS / "3-relations.png"), full_page=True)


def test_upload_a_document_and_ask_about_it(page, server, tmp_path):
    f = tmp_path / "garbage_rules.txt"
    f.write_text(UPLOAD_TEXT, encoding="gbk")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02" * 50)
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload input[type=file]").set_input_files([str(f), str(bad)])
    page.wait_for_function("() => document.querySelector('#status textarea').value.includes('已加入')",
                           timeout=180000)
    body = page.locator("#status textarea").input_value()
    assert "broken.txt" in body and "二进制" in body
    assert (server[1] / "garbage_rules.txt").read_text(encoding="utf-8") == UPLOAD_TEXT
    page.screenshot(path=str(SHOTS / "4-upload.png"), full_page=True)
    page.get_by_role("tab", name="问答").click()
    ask(page, "厨余垃圾应该投放到什么颜色的容器？", "绿色收集容器")
    later = page.context.browser.new_page()  # a page opened after the upload shows the document
    later.goto(server[0])
    later.wait_for_selector("#question textarea", timeout=60000)
    later.get_by_role("tab", name="文档").click()
    later.wait_for_function("() => document.querySelector('#doctable').innerText.includes('星海市垃圾分类管理办法')",
                            timeout=30000)
    later.close()


def test_upload_pdf_and_word_then_ask_by_article_and_see_the_page(page, server, tmp_path):
    from tests.makedocs import make_docx, make_pdf
    pdf = make_pdf(tmp_path / "接待规定.pdf")
    docx = make_docx(tmp_path / "接待规定.docx")
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload input[type=file]").set_input_files([str(pdf), str(docx)])
    page.wait_for_function("() => { const v = document.querySelector('#status textarea').value;"
                           " return v.includes('接待规定.pdf') && v.includes('接待规定.docx'); }", timeout=180000)
    assert (server[1] / "接待规定.pdf").read_bytes()[:5] == b"%PDF-"      # kept as uploaded, pages and all
    page.get_by_role("tab", name="问答").click()
    ask(page, "公务接待管理规定第六条第二款", "接待清单应当报本级财政部门备案")
    cite = open_citation(page)
    summary = cite.locator("summary").inner_text()
    assert "第六条" in summary and "第二款" in summary and "第2页" in summary
    page.locator("#pick label").first.click()
    page.wait_for_selector("#docview .focus", timeout=20000)
    assert "第六条" in page.locator("#docview .focus").inner_text()
    page.screenshot(path=str(SHOTS / "5-pdf-article.png"), full_page=True)
    ask(page, "公务接待管理规定第七条", "不得额外配发洗漱用品")
    items = open_citation(page).locator(".passage").inner_text()
    assert "要求：\n（一）" in items and "；\n（二）" in items          # each item on a line of its own


CAR_RULES = [["星海市公务用车管理办法", "第一条　为了规范公务用车管理，降低行政成本，制定本办法。",
              "第二条　公务用车实行编制管理，车辆编制由机关事务管理局核定。"],
             ["第三条　严禁公车私用，违反的由纪检监察机关给予处分。", "第四条　本办法自发布之日起施行。"]]


def test_upload_a_scan_and_a_wps_then_check_the_quote_on_the_original_page(page, server, tmp_path):
    from tests.makedocs import make_doc, make_scan
    scan = make_scan(tmp_path / "公务用车管理办法扫描件.pdf", CAR_RULES, header="")
    files = [str(scan)]
    if shutil.which("soffice"):
        wps = tmp_path / "会议纪要.wps"
        wps.write_bytes(make_doc(tmp_path / "minutes.doc", [["星海市机关事务局会议纪要", "会议决定：食堂每周三提供素食。"]]).read_bytes())
        files.append(str(wps))
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload input[type=file]").set_input_files(files)
    page.wait_for_function("names => names.every(n => document.querySelector('#status textarea').value.includes(n))",
                           arg=[Path(f).name for f in files], timeout=120000)
    status = page.locator("#status textarea").input_value()
    assert "文字识别（OCR）：第 1、2 页" in status, status
    assert len(files) == 1 or "LibreOffice" in status
    page.get_by_role("tab", name="问答").click()
    ask(page, "公务用车管理办法第三条", "严禁公车私用")
    if len(files) > 1:
        ask(page, "食堂哪天提供素食？", "每周三")
        ask(page, "公务用车管理办法第三条", "严禁公车私用")
    page.locator("#pick label").first.click()
    image = page.locator("#pageimage img")
    image.wait_for(state="visible", timeout=60000)
    page.wait_for_function("() => { const i = document.querySelector('#pageimage img'); return i && i.complete && i.naturalWidth > 0; }",
                           timeout=30000)
    assert "第2页" in page.locator("#pageimage").inner_text()
    framed = page.evaluate("""() => { const i = document.querySelector('#pageimage img');
        const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(i, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let k = 0; k < d.length; k += 4) if (d[k] > 200 && d[k + 1] < 80 && d[k + 2] < 80) n++;
        return n; }""")
    assert framed > 200          # the red frame around the quoted sentence
    page.screenshot(path=str(SHOTS / "6-scan-page.png"), full_page=True)


def test_the_api_and_the_page_search_a_chosen_scope_and_say_so(page, server):
    from gradio_client import Client
    client = Client(server[0], verbose=False)
    question = "纪委书记发现班子成员有重要问题，应该向谁报告？"
    res = client.predict(question, [], 5, ["坚持不懈抓好党内政治生态建设"], "", api_name="/ask_within")
    assert res["scope"] == ["坚持不懈抓好党内政治生态建设"] and not res["found"]
    assert "没有名为《合同法》" in client.predict(question, [], 5, ["合同法"], "", api_name="/ask_within")["error"]
    assert "文档组" in client.predict(question, [], 5, None, "没有这个组", api_name="/ask_within")["error"]
    pg = _own_page(page, server)
    try:
        pg.locator("#scope-docs input").fill("政治生态")
        pg.locator("[role='option']").first.click()
        pg.keyboard.press("Escape")
        ask(pg, question, "检索范围：《坚持不懈抓好党内政治生态建设》")
        assert "文档中没有答案" in pg.locator("[data-testid='bot']").last.inner_text()
        pg.locator("#groups").get_by_text("把所选文档保存为文档组").click()
        pg.fill("#group-name input, #group-name textarea", "生态")
        pg.click("#save-group")
        pg.wait_for_function("() => document.querySelector('#scope-group input').value === '生态'", timeout=20000)
        assert client.predict(question, [], 5, None, "生态", api_name="/ask_within")["scope"] == ["坚持不懈抓好党内政治生态建设"]
        pg.locator("#scope-docs button[aria-label*='清'], #scope-docs .token-remove").first.click()   # the group alone
        ask(pg, "太原疫情期间抽调了多少名市直机关干部下沉一线？", "825")
        assert "检索范围：《坚持不懈抓好党内政治生态建设》" in pg.locator("[data-testid='bot']").last.inner_text()
    finally:
        pg.context.close()


def test_the_documents_table_is_searchable_sortable_opens_documents_and_asks_before_removing(page, server, tmp_path):
    from gradio_client import Client, handle_file
    f = tmp_path / "（试行）会议室管理办法.txt"
    f.write_text("星海市会议室管理办法\n第一条 会议室实行预约登记。\n", encoding="utf-8")
    assert "已加入：（试行）会议室管理办法.txt" in Client(server[0], verbose=False).predict(
        [handle_file(str(f))], api_name="/upload")[0]
    pg = _own_page(page, server)
    try:
        pg.get_by_role("tab", name="文档").click()
        table = pg.locator("#doctable")
        table.wait_for()
        pg.wait_for_function("() => document.querySelector('#doctable').innerText.includes('会议室管理办法')",
                             timeout=20000)
        text = table.inner_text()
        for header in ("标题", "类型", "篇幅", "日期/版本", "来源文件", "添加者", "添加时间"):
            assert header in text
        # the two copies of the 《意见》 are one row that says so
        assert text.count("中共中央关于加强对“一把手”和领导班子监督的意见") == 1 and "2 份副本已合并" in text
        assert "本机上传" in text and "语料目录" in text
        search = table.locator("input").first
        search.fill("会议室")
        pg.wait_for_function("() => !document.querySelector('#doctable').innerText.includes('政治生态')", timeout=10000)
        table.locator("[role=gridcell]").filter(has_text="星海市会议室管理办法").first.click()
        pg.wait_for_function("() => document.querySelector('#fulldoc').innerText.includes('会议室实行预约登记')",
                             timeout=20000)
        search.fill("")
        added = table.locator("[role=columnheader]").filter(has_text="添加时间").first   # newest first
        added.hover()
        added.locator("button.cell-menu-button").click(force=True)
        pg.get_by_text("降序排序").click()
        pg.wait_for_function("() => document.querySelector('#doctable [role=gridcell]').innerText"
                             ".includes('星海市会议室管理办法')", timeout=10000)
        pg.get_by_role("tab", name="文档").click()
        remove = pg.locator("#admin")
        remove.locator("input").last.fill("（试行）会议室管理办法.txt")
        pg.keyboard.press("Enter")
        pg.once("dialog", lambda d: d.dismiss())
        pg.click("#remove")
        pg.wait_for_function("() => document.querySelector('#status textarea').value.includes('没有删除')", timeout=20000)
        assert (server[1] / "（试行）会议室管理办法.txt").exists()
        pg.once("dialog", lambda d: d.accept())
        pg.click("#remove")
        pg.wait_for_function("() => document.querySelector('#status textarea').value.includes('已删除')", timeout=60000)
        assert not (server[1] / "（试行）会议室管理办法.txt").exists()
        pg.wait_for_function("() => !document.querySelector('#doctable').innerText.includes('会议室管理办法')",
                             timeout=20000)
    finally:
        pg.context.close()
