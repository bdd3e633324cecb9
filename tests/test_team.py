"""A shared server: accounts and roles, refusal to start exposed without them, admin-only changes — on the real app."""
import json
import os
import shutil
import stat
import subprocess
import sys
import time

from pathlib import Path

import pytest

from qa.ui.guard import is_loopback
from qa.ui.users import Accounts, UsersError, add_user, hash_password, load_users, remove_user, verify_password
from tests.server import ROOT, running_app

READER, ADMIN = ("lin", "reader-pass-1"), ("chen", "admin-pass-1")


def test_passwords_are_salted_scrypt_hashes():
    a, b = hash_password("same password"), hash_password("same password")
    assert a != b and a.startswith("scrypt$") and "same password" not in a
    assert verify_password("same password", a) and verify_password("same password", b)
    assert not verify_password("same passwort", a)
    assert not verify_password("x", "not a hash") and not verify_password("x", "md5$1$2$3$aa$bb")


def test_users_file_roles_and_permissions(tmp_path):
    path = tmp_path / "conf" / "users.json"
    add_user(*READER, path=path)
    add_user(*ADMIN, admin=True, path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert READER[1] not in text and ADMIN[1] not in text
    accounts = Accounts(load_users(path))
    assert accounts.verify(*READER) and accounts.verify(*ADMIN)
    assert not accounts.verify(READER[0], ADMIN[1]) and not accounts.verify("nobody", READER[1])
    assert accounts.is_admin(ADMIN[0]) and not accounts.is_admin(READER[0])
    assert not accounts.is_admin(None) and not accounts.is_admin("nobody")
    assert Accounts({}).is_admin(None)        # loopback without accounts: the one local user
    for weak in ("short", "12345678", "aaaaaaaaaa", "Password"):
        with pytest.raises(UsersError):
            add_user("x", weak, path=path)
    with pytest.raises(UsersError):
        add_user("../evil", "long enough pw", path=path)
    path.write_text("{not json")
    with pytest.raises(UsersError):
        load_users(path)


def test_failed_logins_wait_longer_and_lock_until_a_new_password(tmp_path):
    import asyncio
    from qa.ui.users import LOCK_AFTER, LoginRefused
    path = tmp_path / "users.json"
    add_user(*READER, path=path)
    accounts = Accounts(load_users(path), path=path)
    for _ in range(5):
        assert asyncio.run(accounts.check(READER[0], "wrong-password")) is False
    with pytest.raises(LoginRefused, match="秒后再试"):
        asyncio.run(accounts.check(*READER))             # the right password too: guessing is slowed down
    accounts.failures[READER[0]] = [time.monotonic() - 1000] * LOCK_AFTER
    with pytest.raises(LoginRefused, match="已锁定"):
        asyncio.run(accounts.check(*READER))
    time.sleep(0.01)
    add_user(READER[0], "a-new-password-9", path=path)   # the admin sets a new password: the lock is lifted
    assert accounts.refresh() == {READER[0]}
    assert asyncio.run(accounts.check(READER[0], "a-new-password-9")) is True


def test_an_admin_lifts_a_lock_without_logging_anyone_out(tmp_path):
    import asyncio
    from qa.ui.users import LOCK_AFTER, LoginRefused, unlock_user
    path = tmp_path / "users.json"
    add_user(*READER, path=path)
    accounts = Accounts(load_users(path), path=path)
    accounts.failures[READER[0]] = [time.monotonic()] * LOCK_AFTER
    with pytest.raises(LoginRefused, match="qa users unlock lin"):
        asyncio.run(accounts.check(*READER))
    time.sleep(0.01)
    run = subprocess.run([sys.executable, "-m", "qa", "users", "unlock", READER[0], "--users", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert accounts.refresh() == set()            # the same password and role: the user's sessions go on
    assert asyncio.run(accounts.check(*READER)) is True
    with pytest.raises(UsersError):
        unlock_user("nobody", path)


def test_the_audit_log_only_grows(tmp_path):
    import sqlite3
    from qa.ui.audit import Audit
    log = Audit(tmp_path / "audit.sqlite3")
    log.record("chen", "upload", "规定.pdf", "文字识别（OCR）：第 1 页")
    log.record("lin", "login_failed")
    assert [(r["who"], r["action"]) for r in log.recent()] == [("lin", "login_failed"), ("chen", "upload")]
    for statement in ("UPDATE events SET who = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            log._db.execute(statement)
    assert len(Audit(tmp_path / "audit.sqlite3").recent()) == 2       # written for good, read back by a new one


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("::")
    assert is_loopback("127.0.0.2") and not is_loopback("127.0.0.1.example.com")


def test_users_command_writes_the_file(tmp_path):
    path = tmp_path / "users.json"
    run = subprocess.run([sys.executable, "-m", "qa", "users", "add", "wang", "--admin", "--users", str(path),
                          "--password-stdin"], input="a-long-password\n", capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert load_users(path)["wang"]["role"] == "admin"
    listed = subprocess.run([sys.executable, "-m", "qa", "users", "list", "--users", str(path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert "wang\tadmin" in listed.stdout


@pytest.mark.parametrize("args", [["--host", "0.0.0.0"], ["--host", "192.168.0.10"], ["--share"]])
def test_exposed_server_without_accounts_refuses_to_start(tmp_path, args):
    t0 = time.time()
    run = subprocess.run([sys.executable, "app.py", *args, "--port", "7999"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**__import__("os").environ,
                                                      "QA_USERS_FILE": str(tmp_path / "none.json")})
    assert run.returncode == 2
    assert "qa users add" in run.stderr and "--admin" in run.stderr
    assert time.time() - t0 < 60            # refused before the model is even loaded


@pytest.fixture(scope="module")
def team_server(real_qa, real_index_dir, tmp_path_factory):
    """Loopback with accounts: everyone logs in; a copy of the index, so uploads here change nothing else."""
    base = tmp_path_factory.mktemp("team")
    users = base / "users.json"
    add_user(*READER, path=users)
    add_user(*ADMIN, admin=True, path=users)
    index = base / "index"
    shutil.copytree(real_index_dir, index)
    (base / "user").mkdir()
    with running_app("--index", str(index), "--user-dir", str(base / "user"), "--users", str(users),
                     users_file=users) as url:
        yield url, base / "user"


def test_without_login_nothing_is_served(team_server):
    from gradio_client import Client
    url, _ = team_server
    with pytest.raises(Exception):
        Client(url, verbose=False).predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")
    with pytest.raises(Exception):
        Client(url, auth=(READER[0], "wrong-password"), verbose=False)


def test_reader_asks_but_cannot_change_documents_through_the_api(team_server, tmp_path):
    from gradio_client import Client, handle_file
    url, user_dir = team_server
    reader = Client(url, auth=READER, verbose=False)
    res = reader.predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")
    assert res["found"] and "上级纪委" in res["answer"]
    f = tmp_path / "reader_upload.txt"
    f.write_text("第一条 读者上传的文件。\n", encoding="utf-8")
    with pytest.raises(Exception, match="403 Forbidden.*gradio_api/upload"):     # not even into Gradio's cache
        reader.predict([handle_file(str(f))], api_name="/upload")
    assert not (user_dir / "reader_upload.txt").exists()
    (user_dir / "kept.txt").write_text("第一条 管理员放入的文件。\n", encoding="utf-8")
    with pytest.raises(Exception, match="管理员"):
        reader.predict("kept.txt", api_name="/remove")
    with pytest.raises(Exception, match="管理员"):
        reader.predict(api_name="/rebuild")
    assert (user_dir / "kept.txt").exists()


def test_admin_uploads_and_removes_through_the_api(team_server, tmp_path):
    from gradio_client import Client, handle_file
    url, user_dir = team_server
    admin = Client(url, auth=ADMIN, verbose=False)
    f = tmp_path / "星海市养犬管理办法.txt"
    f.write_text("星海市养犬管理办法\n第一条 养犬人应当为犬只办理登记，每年年检一次。\n", encoding="utf-8")
    status = admin.predict([handle_file(str(f))], api_name="/upload")[0]
    assert "已加入" in status and (user_dir / f.name).exists()
    reader = Client(url, auth=READER, verbose=False)
    assert "每年年检一次" in reader.predict("养犬登记多久年检一次？", api_name="/ask")["answer"]
    from tests.makedocs import make_image
    photo = make_image(tmp_path / "接待规定照片.png")           # its first page, read by OCR in the server
    status = admin.predict([handle_file(str(photo))], api_name="/upload")[0]
    assert "已加入" in status and "文字识别" in status, status
    assert "公函" in reader.predict("接待对象要向接待单位发送什么？", api_name="/ask")["answer"]
    admin.predict(photo.name, api_name="/remove")
    admin.predict(f.name, api_name="/remove")
    assert not (user_dir / f.name).exists()
    logged = subprocess.run([sys.executable, "-m", "qa", "audit", "--json", "--users", str(user_dir.parent / "users.json")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    rows = [(r["who"], r["action"], r["target"]) for r in json.loads(logged.stdout)]
    assert (ADMIN[0], "upload", f.name) in rows and (ADMIN[0], "remove", f.name) in rows
    assert (ADMIN[0], "login", "") in rows and (READER[0], "login", "") in rows
    after = reader.predict("养犬登记多久年检一次？", api_name="/ask")
    assert not after["found"] and all("养犬" not in c["title"] for c in after["citations"] + after["passages"])


@pytest.fixture(scope="module")
def browser():
    from tests.test_app import CHROMIUM, launch_chromium
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (scripts/browser-deps.sh installs it)")
    with launch_chromium() as b:
        yield b


def log_in(browser, url: str, user: tuple[str, str], context=None):
    page = context.new_page() if context else browser.new_page(viewport={"width": 1360, "height": 900})
    page.goto(url)
    page.locator("input[type=text]").first.fill(user[0])
    page.locator("input[type=password]").first.fill(user[1])
    page.locator("button:has-text('Login'), button:has-text('登录')").first.click()
    page.wait_for_selector("#question textarea", timeout=60000)
    page.wait_for_function("() => document.querySelector('#whoami').innerText.includes('已登录')", timeout=30000)
    return page


def test_reader_in_the_browser_asks_and_sees_no_document_controls(browser, team_server):
    from tests.test_app import ask
    page = log_in(browser, team_server[0], READER)
    assert "读者" in page.locator("#whoami").inner_text()
    ask(page, "纪委书记发现班子成员有重要问题，应该向谁报告？", "上级纪委和同级党委主要负责人")
    page.get_by_role("tab", name="文档").click()
    page.wait_for_timeout(500)
    assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
    assert page.locator("#remove").count() == 0 or not page.locator("#remove").is_visible()
    page.close()


def test_admin_in_the_browser_sees_the_document_controls(browser, team_server):
    page = log_in(browser, team_server[0], ADMIN)
    assert "管理员" in page.locator("#whoami").inner_text()
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload").wait_for(state="visible", timeout=20000)
    assert page.locator("#rebuild").is_visible()
    page.close()


def test_an_upload_over_the_limit_is_refused_by_the_server_and_it_keeps_serving(team_server, tmp_path):
    from gradio_client import Client, handle_file
    url, user_dir = team_server
    big = tmp_path / "big.pdf"
    with open(big, "wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(60 * 1024 * 1024)
    admin = Client(url, auth=ADMIN, verbose=False)
    with pytest.raises(Exception):
        admin.predict([handle_file(str(big))], api_name="/upload")
    assert not (user_dir / "big.pdf").exists()
    assert admin.predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")["found"]


def _request(url: str, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """(status, body) of one raw HTTP request, whatever the status."""
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url.rstrip("/") + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_a_foreign_host_name_is_refused_before_anything_runs(team_server):
    """DNS rebinding: the attacker's name resolves to 127.0.0.1, so the request arrives with its Host."""
    url, user_dir = team_server
    assert _request(url, "/")[0] == 200
    status, body = _request(url, "/", headers={"Host": "rebind.attacker.example"})
    assert status == 400 and "不受信任的访问地址" in body
    status, _ = _request(url, "/gradio_api/upload", "POST", {"Host": "127.0.0.1.attacker.example",
                                                             "Content-Type": "multipart/form-data; boundary=x"},
                         b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"planted.txt\"\r\n\r\n"
                         b"\xe7\xac\xac\xe4\xb8\x80\xe6\x9d\xa1\r\n--x--\r\n")
    assert status == 400 and not (user_dir / "planted.txt").exists()


def test_a_change_sent_from_another_origin_is_refused(team_server):
    """Another port or subdomain of the same site shares the cookie; its POST carries its own Origin."""
    url, _ = team_server
    port = url.rstrip("/").rsplit(":", 1)[1]
    join = json.dumps({"data": [], "fn_index": 0, "session_hash": "x"}).encode()
    for origin in (f"http://127.0.0.1:{int(port) + 1}", "http://evil.example", "null"):
        status, body = _request(url, "/gradio_api/queue/join", "POST",
                                {"Origin": origin, "Content-Type": "application/json"}, join)
        assert status == 403 and "其他网页" in body, (origin, status, body)
    status, _ = _request(url, "/gradio_api/queue/join", "POST",
                         {"Origin": url.rstrip("/"), "Content-Type": "application/json"}, join)
    assert status != 403           # the page itself may (it is then asked to log in)


def test_a_removed_user_is_logged_out_and_a_new_one_logs_in_without_a_restart(team_server):
    from gradio_client import Client
    url, user_dir = team_server
    users = user_dir.parent / "users.json"
    add_user("zhao", "zhao-password-7", path=users)
    deadline = time.time() + 10
    while True:                                      # the server reads the file again within a second
        try:
            zhao = Client(url, auth=("zhao", "zhao-password-7"), verbose=False)
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.5)
    assert zhao.predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")["found"]
    remove_user("zhao", path=users)
    time.sleep(2.5)
    with pytest.raises(Exception):
        zhao.predict("纪委书记发现班子成员有重要问题，应该向谁报告？", api_name="/ask")
    with pytest.raises(Exception):
        Client(url, auth=("zhao", "zhao-password-7"), verbose=False)


def _log_in(url: str, user: tuple[str, str]) -> str:
    """The Cookie header a browser would send after logging in through the login form."""
    import urllib.parse
    import urllib.request
    body = urllib.parse.urlencode({"username": user[0], "password": user[1]}).encode()
    with urllib.request.urlopen(urllib.request.Request(url.rstrip("/") + "/login", data=body), timeout=30) as r:
        return "; ".join(v.split(";", 1)[0] for k, v in r.headers.items() if k.lower() == "set-cookie")


def test_the_login_page_does_not_show_the_api_to_strangers(team_server):
    url, _ = team_server
    status, page = _request(url, "/")
    assert status == 200 and "auth_required" in page
    assert '"/ask"' not in page and '"/upload"' not in page and "gradio_api_info" in page
    status, page = _request(url, "/", headers={"Cookie": _log_in(url, READER)})
    assert status == 200 and '"/ask"' in page          # a logged-in reader gets the page and its API


def test_sessions_are_listed_and_an_admin_ends_them(team_server):
    from gradio_client import Client
    url, user_dir = team_server
    users = user_dir.parent / "users.json"

    def sessions(*extra):
        run = subprocess.run([sys.executable, "-m", "qa", "users", "sessions", "--users", str(users), "--json",
                              *extra], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    add_user("qian", "qian-password-3", path=users)
    time.sleep(1.5)
    qian = Client(url, auth=("qian", "qian-password-3"), verbose=False)
    assert qian.predict("党费按什么比例缴纳？", api_name="/ask")["question"]
    time.sleep(1.5)
    mine = [r for r in sessions() if r["who"] == "qian"]
    assert len(mine) == 1 and mine[0]["address"] == "127.0.0.1" and mine[0]["ended"] is None
    assert len(mine[0]["id"]) == 16 and mine[0]["id"] not in _log_in(url, ("qian", "qian-password-3"))
    time.sleep(1.5)
    run = subprocess.run([sys.executable, "-m", "qa", "users", "logout", "qian", "--users", str(users)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "有 2 个" in run.stdout, run.stdout + run.stderr
    time.sleep(2.5)
    with pytest.raises(Exception):
        qian.predict("党费按什么比例缴纳？", api_name="/ask")
    assert not [r for r in sessions() if r["who"] == "qian"]
    ended = [r for r in sessions("--all") if r["who"] == "qian"]
    assert len(ended) == 2 and {r["why"] for r in ended} == {"管理员结束"}


def test_an_address_that_keeps_failing_to_log_in_waits():
    """The middleware around a minimal login route (the real server's route answers 400 the same way)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient
    from qa.ui.guard import ADDRESS_FAILURES, TrustedRequests

    async def login(request: Request):
        form = await request.form()
        return JSONResponse({}, status_code=200 if form["password"] == "right-password-1" else 400)

    app = TrustedRequests(Starlette(routes=[Route("/login", login, methods=["POST"])]), hosts={"testserver"})
    client = TestClient(app)
    for i in range(ADDRESS_FAILURES):              # a different name each time: the per-name throttle never sees it
        assert client.post("/login", data={"username": f"u{i}", "password": "guess"}).status_code == 400
    refused = client.post("/login", data={"username": "lin", "password": "right-password-1"})
    assert refused.status_code == 429 and "秒后再试" in refused.json()["error"]


def test_only_admins_see_the_audit_log_on_the_page(tmp_path):
    from types import SimpleNamespace
    from app import App
    from qa.ui.audit import Audit
    path = tmp_path / "users.json"
    add_user(*READER, path=path)
    add_user(*ADMIN, admin=True, path=path)
    log = Audit(tmp_path / "audit.sqlite3")
    log.record(ADMIN[0], "remove", "<b>规定</b>.pdf")
    app = App(None, tmp_path, Accounts(load_users(path), path=path), log)
    shown = app.audit_view(SimpleNamespace(username=ADMIN[0]))
    assert "删除" in shown and "&lt;b&gt;规定&lt;/b&gt;.pdf" in shown and "<b>" not in shown
    assert app.audit_view(SimpleNamespace(username=READER[0])) == "" == app.audit_view(None)


ATTACK = """<script>
const form = new FormData();
form.append("files", new Blob(["第一条 植入的文件。"], {type: "text/plain"}), "NAME");
fetch("TARGET/gradio_api/upload", {method: "POST", body: form, mode: "no-cors", credentials: "include"})
  .then(() => { document.title = "sent"; }, e => { document.title = "failed " + e; });
</script>"""


def test_a_page_on_another_port_cannot_send_files_as_the_logged_in_admin(browser, team_server, tmp_path):
    """The same site (127.0.0.1), another port: the browser sends the admin's cookie with a simple
    cross-origin POST; the server must refuse it for its Origin."""
    import functools
    import http.server
    import tempfile as tf
    import threading
    import uuid
    from bench.load import free_port
    url = team_server[0].rstrip("/")
    gradio_files = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tf.gettempdir()) / "gradio")
    context = browser.new_context()
    try:
        page = log_in(browser, url, ADMIN, context=context)
        planted, own = f"planted-{uuid.uuid4().hex}.txt", f"own-{uuid.uuid4().hex}.txt"
        (tmp_path / "attack.html").write_text(ATTACK.replace("TARGET", url).replace("NAME", planted), encoding="utf-8")
        port = free_port()
        site = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(
            http.server.SimpleHTTPRequestHandler, directory=str(tmp_path)))
        threading.Thread(target=site.serve_forever, daemon=True).start()
        try:
            attacker = context.new_page()
            attacker.goto(f"http://127.0.0.1:{port}/attack.html")
            attacker.wait_for_function("() => document.title !== ''", timeout=30000)
        finally:
            site.shutdown()
        # the page itself, logged in the same way, may send a file: the check above is not vacuous
        page.evaluate(f"""async () => {{ const f = new FormData();
            f.append("files", new Blob(["第一条 本站的文件。"], {{type: "text/plain"}}), "{own}");
            await fetch("/gradio_api/upload", {{method: "POST", body: f}}); }}""")
        assert list(gradio_files.rglob(own)), "the page's own upload did not arrive"
        assert not list(gradio_files.rglob(planted))
    finally:
        context.close()


def test_each_account_keeps_its_own_conversations(team_server):
    from gradio_client import Client
    from qa.ui.conversations import Conversations
    url, user_dir = team_server
    for user, question in ((READER, "党费按什么比例缴纳？"), (ADMIN, "纪委书记发现班子成员有重要问题，应该向谁报告？")):
        Client(url, auth=user, verbose=False).predict(question, [], 5, False, [], "", api_name="/chat")
    store = Conversations(user_dir.parent / "qa.sqlite3")
    mine = [c["title"] for c in store.listing(READER[0])]
    theirs = [c["title"] for c in store.listing(ADMIN[0])]
    assert "党费按什么比例缴纳？" in mine and "党费按什么比例缴纳？" not in theirs
    assert "纪委书记发现班子成员有重要问题，应该向谁报告？" in theirs and store.listing("") == []
