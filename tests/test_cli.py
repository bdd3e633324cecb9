"""The `qa ask --json -` contract other tools rely on, run as a real subprocess."""
import json
import subprocess
import sys
from pathlib import Path

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
