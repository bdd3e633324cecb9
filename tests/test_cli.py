"""The `qa ask --json -` contract other tools rely on, run as a real subprocess."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from qa.errors import IndexCorrupt
from qa.index import read_manifest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"rank", "source", "title", "part", "clause", "text", "start", "end", "score"}


def run(args, stdin, index_dir):
    return subprocess.run([sys.executable, "-m", "qa", *args, "--index", str(index_dir)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_json_batch_contract_with_bad_lines(real_qa, real_index_dir):
    lines = ["纪委书记发现班子成员有重要问题，应该向谁报告？", "", "问" * 5000,
             "控制\x07字符", "第十四条讲了什么", "党费按什么比例缴纳？"]
    out = run(["ask", "--json", "-"], "\n".join(lines) + "\n", real_index_dir)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert [r["question"] for r in rows] == lines
    assert all("error" in rows[i] for i in (1, 2, 3))
    for r in (rows[0], rows[4], rows[5]):
        assert {"question", "answer", "found", "citations", "passages"} <= set(r)
        assert len(r["passages"]) == 10
        for p in r["passages"] + r["citations"]:
            assert KEYS <= set(p)
        assert [p["rank"] for p in r["passages"]] == list(range(1, 11))
    assert rows[0]["found"] and "上级纪委" in rows[0]["answer"]
    assert rows[4]["passages"][0]["clause"] == "（十四）"
    assert rows[5]["found"] is False


def test_single_question_prints_a_readable_answer(real_qa, real_index_dir):
    out = run(["ask", "第十四条讲了什么", "--k", "3"], "", real_index_dir)
    assert out.returncode == 0
    assert "完善纪委书记谈话提醒制度" in out.stdout and "000_0dea9b20fcaf03ac.txt" in out.stdout


def test_empty_single_question_is_an_error_message(real_qa, real_index_dir):
    out = run(["ask", "  "], "", real_index_dir)
    assert out.returncode == 2 and "问题为空" in out.stderr and "Traceback" not in out.stderr


def test_an_empty_question_or_a_mistyped_corpus_fails_before_any_index_work(tmp_path):
    index = tmp_path / "never-built"
    for args, message in ((["ask", ""], "问题为空"), (["ask", "党费？", "--corpus", str(tmp_path / "typo")], "找不到语料"),
                          (["chat", "--corpus", str(tmp_path / "typo")], "找不到语料")):
        t0 = time.time()
        out = run(args, "", index)
        assert out.returncode != 0 and message in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
        assert time.time() - t0 < 15 and not index.exists()      # no model loaded, no index written


def test_a_document_uploaded_on_the_page_is_found_by_the_cli_without_a_rebuild(real_qa, real_index_dir, tmp_path):
    """The page's library is the corpus plus the uploads folder; `qa ask` searches the same one."""
    from tests.server import running_app
    user_dir = tmp_path / "user"
    index = tmp_path / "index"
    shutil.copytree(real_index_dir, index)
    (tmp_path / "垃圾分类（试行）.txt").write_text("星海市垃圾分类管理办法\n第一条 居民应当将厨余垃圾投放到绿色收集容器。\n",
                                               encoding="utf-8")
    env = {**os.environ, "QA_USER_DIR": str(user_dir)}
    before = read_manifest(index)["corpus_hash"]
    with running_app("--index", str(index), users_file=tmp_path / "no-users.json", env=env) as url:
        from gradio_client import Client, handle_file
        status = Client(url, verbose=False).predict([handle_file(str(tmp_path / "垃圾分类（试行）.txt"))],
                                                    api_name="/upload")[0]
        assert "已加入：垃圾分类（试行）.txt" in status          # full-width brackets stay in the name
        built = _saved_after(index, before)                 # the page saves in the background
        out = subprocess.run([sys.executable, "-m", "qa", "ask", "厨余垃圾投放到什么颜色的容器？", "--index", str(index)],
                             capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 0 and "绿色收集容器" in out.stdout and "垃圾分类（试行）.txt" in out.stdout, out.stderr
    assert (index / "manifest.json").stat().st_mtime_ns == built          # the page's index, as it was


def _saved_after(index: Path, old_hash: str, timeout: float = 180) -> int:
    """The manifest's mtime once a save of another corpus than `old_hash` has landed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if read_manifest(index).get("corpus_hash") != old_hash:
                return (index / "manifest.json").stat().st_mtime_ns
        except (OSError, IndexCorrupt):                     # caught between the two renames of a save
            pass
        time.sleep(0.2)
    raise AssertionError("the page never saved its index after the upload")


def test_corpus_command_shows_the_outline():
    out = subprocess.run([sys.executable, "-m", "qa", "corpus"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    assert "（十四）完善纪委书记谈话提醒制度" in out.stdout and "五、切实加强党对监督工作的领导" in out.stdout


def test_relations_command_as_json(real_qa, real_index_dir):
    out = run(["relations", "--json"], "", real_index_dir)
    rows = json.loads(out.stdout)
    assert any(r["reporter"] == "纪委书记" and r["clause"] == "（十四）" for r in rows)


def test_bytes_that_are_not_utf8_never_reach_the_output(real_qa, real_index_dir):
    out = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "-", "--index", str(real_index_dir)],
                         input=b"\xff\xfe\xe9\x97\xae\xe9\xa2\x98\n", capture_output=True, cwd=ROOT, timeout=300)
    row = json.loads(out.stdout.decode("utf-8"))         # strict: raises on a stray byte
    assert "error" in row and row["question"].endswith("问题")


def test_chat_edits_lines_with_arrow_keys_and_keeps_history(real_qa, real_index_dir, tmp_path):
    """In a terminal (a pty), ← moves the cursor instead of typing 「^[[D」 into the question."""
    import pty
    import select
    env = {**os.environ, "QA_CHAT_HISTORY": str(tmp_path / "history"), "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "qa", "chat", "--index", str(real_index_dir)], env)
    out = b""

    def read_until(marker: bytes, timeout: float = 120) -> None:
        nonlocal out
        deadline = time.time() + timeout
        while marker not in out:
            assert time.time() < deadline, out.decode("utf-8", "replace")[-500:]
            if select.select([fd], [], [], 1)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break

    try:
        read_until("问：".encode())
        # typed with its last character missing, then ← twice, the character inserted, → twice, Enter
        os.write(fd, "纪委书记发现班子成员有重要问题，应该向谁报告".encode() + b"\x1b[D\x1b[D" + "谁".encode())
        os.write(fd, b"\x1b[C\x1b[C" + "？\r".encode())
        read_until("上级纪委和同级党委主要负责人".encode())
        read_until("问：".encode())
        os.write(fd, b"\r")                                  # an empty line ends the chat
        os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    assert "^[[D" not in out.decode("utf-8", "replace") and "错误" not in out.decode("utf-8", "replace")
    assert "应该向谁谁报告" in (tmp_path / "history").read_text(encoding="utf-8")
