"""Answers into reports and conversations kept on the server: real answers, real Word files, a real database."""
import shutil
import subprocess

import pytest

from qa.ui import export
from qa.ui.conversations import Conversations, NoConversation, title_of

QUESTION = "纪委书记发现班子成员有重要问题，应该向谁报告？"
OPINION = "《中共中央关于加强对“一把手”和领导班子监督的意见》（十四）"


@pytest.fixture(scope="module")
def answers(real_qa):
    first = real_qa.ask(QUESTION).to_dict()
    refused = real_qa.ask("纪委书记谈话提醒要在几个工作日内完成？").to_dict()
    return [first, refused]


def test_an_answer_copies_as_plain_text_with_its_sources_written_out(answers):
    text = export.plain_answer(answers[0])
    body, sources = text.split("\n\n出处：\n")
    assert "[1]" in body and "上级纪委和同级党委主要负责人" in body
    assert sources.splitlines()[0] == f"[1] {OPINION}"
    assert "\\" not in text and "#cite" not in text and ".txt" not in text and "<" not in text
    refusal = export.plain_answer(answers[1])
    assert refusal.startswith("（判断：文档中没有答案）\n文档中没有规定")


def test_a_source_line_names_the_article_paragraph_and_pages():
    c = {"title": "公务接待管理规定", "article": "第六条", "clause": "", "page": 2, "page_end": 3,
         "location": "第二章 接待管理 第六条 第二款（第2–3页）"}
    assert export.source_line(c) == "《公务接待管理规定》第六条第二款，第2–3页"
    news = {"title": "坚持不懈抓好党内政治生态建设", "article": "", "clause": "", "page": 0,
            "location": "抓好“关键少数” 教育绝大多数"}
    assert export.source_line(news) == "《坚持不懈抓好党内政治生态建设》抓好“关键少数” 教育绝大多数"


def test_a_conversation_exports_to_markdown_and_to_word_that_libreoffice_opens(answers, tmp_path):
    import docx
    md = export.markdown("纪检监察问答", answers)
    assert md.startswith("# 纪检监察问答\n") and f"## 1. {QUESTION}" in md
    assert f"- [1] {OPINION}\n  > 发现存在重要问题的，向上级纪委和同级党委主要负责人报告，全面准确反映情况。" in md
    path = export.docx("纪检监察问答", answers, tmp_path / "对话.docx")
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paragraphs[0] == "纪检监察问答" and f"1. {QUESTION}" in paragraphs
    assert f"[1] {OPINION}" in paragraphs
    if not shutil.which("soffice"):
        return
    out = tmp_path / "pdf"
    run = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                          "txt:Text (encoded):UTF8", "--outdir", str(out), str(path)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert OPINION in (out / "对话.txt").read_text(encoding="utf-8-sig")


def test_conversations_belong_to_their_owner_and_outlive_the_server(answers, tmp_path):
    db = tmp_path / "qa.sqlite3"
    store = Conversations(db)
    mine = store.create("lin", QUESTION)
    store.save("lin", mine, answers[:1])
    theirs = store.create("chen", "别的问题")
    assert [c["id"] for c in store.listing("lin")] == [mine] and store.listing("lin")[0]["turns"] == 1
    with pytest.raises(NoConversation):
        store.load("chen", mine)                      # another account cannot read it ...
    with pytest.raises(NoConversation):
        store.save("chen", mine, [])                  # ... nor overwrite it
    store.delete("chen", mine)                        # ... nor delete it
    store.rename("lin", mine, "  纪检\n监察  问答 ")
    store.close()
    again = Conversations(db)                         # a restarted server reads what was written
    kept = again.load("lin", mine)
    assert kept["title"] == "纪检 监察 问答" and kept["turns"][0]["citations"][0]["clause"] == "（十四）"
    again.delete("lin", mine)
    with pytest.raises(NoConversation):
        again.save("lin", mine, answers)
    assert again.listing("lin") == [] and [c["id"] for c in again.listing("chen")] == [theirs]
    assert title_of("  ") == "新对话" and len(title_of("问" * 100)) == 60


def test_an_account_cannot_fill_the_disk_with_conversations(tmp_path, monkeypatch):
    from qa.ui import conversations
    monkeypatch.setattr(conversations, "MAX_CONVERSATIONS", 3)
    monkeypatch.setattr(conversations, "MAX_SAVED_TURNS", 2)
    store = Conversations(tmp_path / "qa.sqlite3")
    ids = [store.create("lin", f"问题{i}") for i in range(5)]
    assert {c["id"] for c in store.listing("lin")} == set(ids[-3:])       # the oldest went first
    store.save("lin", ids[-1], [{"question": str(i)} for i in range(5)])
    assert [t["question"] for t in store.load("lin", ids[-1])["turns"]] == ["3", "4"]


def test_the_chat_bubbles_a_client_sends_back_are_bounded(real_qa, tmp_path):
    from qa.ui.chat import Chat
    chat = Chat(real_qa, Conversations(tmp_path / "qa.sqlite3"))
    forged = [{"role": "user", "content": "问" * 1_000_000}]
    out = chat.reply("党费按什么比例缴纳？", forged, [], None, 5, False)
    assert len(out[0]) == 2 and len(str(out[0])) < 20_000           # ours, not the million characters
    many = [{"role": "user", "content": "问"}] * 10_000
    assert len(chat.reply("党费按什么比例缴纳？", many, [], None, 5, False)[0]) == 2


def test_a_kept_citation_finds_its_passage_after_the_document_changed_or_says_it_is_gone(real_qa, answers, tmp_path):
    from qa.ui.chat import Chat
    chat = Chat(real_qa, Conversations(tmp_path / "qa.sqlite3"))
    c = answers[0]["citations"][0]
    moved = {**answers[0], "citations": [{**c, "start": c["start"] + 7, "end": c["end"] + 7,
                                           "quotes": [{**q, "doc_start": q["doc_start"] + 7, "doc_end": q["doc_end"] + 7}
                                                      for q in c["quotes"]]}]}
    html, _ = chat.view([moved], 0, 0)       # the offsets kept with the answer are 7 characters off now
    framed = html.split("<span class='focus'>")[1].split("</span>")[0]
    assert framed.startswith("（十四）完善纪委书记谈话提醒制度") and "<mark>发现存在重要问题的" in framed
    gone = {**answers[0], "citations": [{**c, "text": "这段话已从文件中删去。", "quotes": []}]}
    html, _ = chat.view([gone], 0, 0)
    assert "已删除或已修改" in html and "这段话已从文件中删去。" in html
    assert chat.view([answers[0]], 0, 5) == ("", chat.view([answers[0]], None, 0)[1])     # a stale choice
