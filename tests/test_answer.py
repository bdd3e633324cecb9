"""Answers from the real model, index and corpus: cited sentences, relations, lookup, refusal, follow-ups."""
import json
from pathlib import Path

import pytest

from bench.quality import evaluate
from qa.errors import BadQuestion

HERE = Path(__file__).resolve().parent
QUESTIONS = [json.loads(l) for l in open(HERE / "data" / "questions.jsonl", encoding="utf-8")]
# Written in the dev sample's style (colloquial paraphrases, news details, numbered
# abbreviations, near-topic questions the documents do not answer), before the changes it checks.
HARD = [json.loads(l) for l in open(HERE / "data" / "hard.jsonl", encoding="utf-8")]


def _quotes_are_exact(res):
    for c in res.citations:
        for q in c.quotes:
            assert c.text[q.start:q.end] == q.text
            assert q.doc_end - q.doc_start == q.end - q.start


def test_answer_is_built_from_cited_sentences(real_qa):
    res = real_qa.ask("班子开会表决时，表决情况和不同意见要怎么留存？")
    assert res.found and res.intent == "search"
    assert "如实记录、存档备查" in res.text and "[1]" in res.text
    assert res.citations[0].clause == "（十）"
    _quotes_are_exact(res)
    # every sentence of the answer is a quote of its citation, nothing else
    import re
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", res.text.replace("\n", "")):
        cite = res.citations[int(n) - 1]
        assert any(q.text == sentence for q in cite.quotes)


def test_quote_offsets_point_into_the_document(real_qa):
    res = real_qa.ask("太原为民办学校和医院选派了多少名党组织书记？")
    c = res.citations[0]
    doc = real_qa.index.docs[c.doc_id]
    for q in c.quotes:
        assert doc.text[q.doc_start:q.doc_end] == q.text
    assert "38名党组织书记" in res.text


def test_the_users_example_reports_who_to_whom(real_qa):
    res = real_qa.ask("纪委书记发现班子成员有重要问题，应该向谁报告？")
    assert res.intent == "relation" and res.found
    first = res.text.splitlines()[0]
    assert first.startswith("纪委书记 → 上级纪委和同级党委主要负责人")
    assert "依规依纪严肃追究责任" in res.text
    assert res.citations[0].clause == "（十四）"
    _quotes_are_exact(res)


# Checked by hand against the text of the 《意见》 (000).
HAND_CHECKED = [
    ("（五）", "纪委书记、派驻纪检监察组组长", "上级纪委、派出机关", "反映"),
    ("（七）", "纪检监察机关、组织部门负责人", "同级党委主要负责人", "报告"),
    ("（七）", "下级“一把手”", "上级党委常委会（党组）扩大会议", "述责述廉"),
    ("（八）", "中央委员会成员", "党中央", "报告"),
    ("（八）", "中央委员会成员", "中央纪委常委会", "反映"),
    ("（八）", "领导班子成员", "上级党组织", "报告"),
    ("（九）", "领导班子成员", "党组织", "反映"),
    ("（十一）", "领导班子其他成员", "“一把手”", "汇报"),
    ("（十一）", "纪委", "同级党委领导班子其他成员", "通报"),
    ("（十二）", "受委托人", "所在部门和单位党组织", "报告"),
    ("（十三）", "纪检监察机关、党的工作机关", "党委（党组）", "报告"),
    ("（十四）", "纪委书记", "上级纪委和同级党委主要负责人", "报告"),
    ("（二）", "各级领导干部特别是高级干部", "党组织", "请示"),
]


def test_relation_table_matches_hand_checked_rows(real_qa):
    rows = {(r.clause, r.reporter, r.recipient, r.verb) for r in real_qa.index.relations}
    for row in HAND_CHECKED:
        assert row in rows, row
    by = {(r.clause, r.reporter): r for r in real_qa.index.relations}
    assert by[("（十四）", "纪委书记")].condition == "发现存在重要问题的"
    assert by[("（十四）", "纪委书记")].consequence == "不报告或者不如实报告的，依规依纪严肃追究责任。"
    assert "隐瞒不报" in by[("（九）", "领导班子成员")].consequence
    assert by[("（三）", "上级“一把手”")].verb == "述职"
    assert "群众评价较差" in by[("（二十）", "纪检监察机关、组织部门")].condition
    assert by[("（八）", "领导班子成员")].condition == "发现“一把手”存在重要问题的"


@pytest.mark.parametrize("question,expect", [
    ("第十四条讲了什么", "完善纪委书记谈话提醒制度"),
    ("（七）的标题", "及时掌握对“一把手”的反映，建立健全述责述廉制度"),
    ("第三部分标题", "三、加强同级领导班子监督"),
    ("意见最后一部分", "五、切实加强党对监督工作的领导"),
])
def test_clause_and_part_lookup(real_qa, question, expect):
    res = real_qa.ask(question)
    assert res.intent == "reference" and expect in res.text
    assert expect in res.citations[0].text


def test_unanswerable_questions_say_so_and_still_show_related_passages(real_qa):
    res = real_qa.ask("党费按什么比例缴纳？")
    assert not res.found and res.citations == []
    assert res.text.startswith("文档中没有找到") and res.passages


def test_refusal_rates_on_our_question_set(real_qa):
    m = evaluate(real_qa, QUESTIONS)
    assert m["answerable"] >= 40 and m["noanswer_cases"] >= 15
    assert m["noanswer_acc"] >= 0.8          # 0.83 measured
    assert m["false_noanswer"] <= 0.05


def test_quality_on_the_harder_question_set(real_qa):
    m = evaluate(real_qa, HARD)
    assert m["answerable"] >= 35 and m["noanswer_cases"] >= 10
    # measured: hit@1 0.72, hit@5 0.86, MRR 0.79; 5 of 12 near-topic questions refused
    assert m["hit@5"] >= 0.8 and m["mrr"] >= 0.72, m
    assert m["noanswer_acc"] >= 0.6 and m["false_noanswer"] <= 0.06, m     # 9 of 12 refused with the judge


def test_topical_sentences_without_the_asked_number_are_not_an_answer(real_qa):
    res = real_qa.ask("纪委书记一届任期是几年？")
    assert not res.found and res.verdict == "not_in_documents" and res.passages
    assert "没有规定" in res.text and "年限或时长" in res.missing
    res = real_qa.ask("疫情期间太原组建了几支突击队？")
    assert res.found and "8支突击队" in res.text and res.verdict == "answered"


def test_retrieval_quality_on_our_question_set(real_qa):
    m = evaluate(real_qa, QUESTIONS)
    assert m["hit@1"] >= 0.88 and m["hit@5"] >= 0.96 and m["mrr"] >= 0.9, m


def test_follow_up_carries_the_subject(real_qa):
    first = real_qa.ask("纪委书记发现班子成员有重要问题，应该向谁报告？")
    res = real_qa.ask("那如果不报告呢？", history=[first])
    assert res.followup_of and "依规依纪严肃追究责任" in res.text
    assert res.citations[0].clause == "（十四）"
    lone = real_qa.ask("那如果不报告呢？")
    assert not lone.followup_of


def test_follow_up_carries_the_clause(real_qa):
    first = real_qa.ask("第十四条讲了什么")
    res = real_qa.ask("它的第二款呢", history=[{"role": "user", "content": first.question},
                                         {"role": "assistant", "content": first.text}])
    assert "（十四）" in res.text and "及时进行提醒" in res.text
    # （十四） is a clause of the 《意见》, one paragraph: no 「第（十四）条」, and its 「第二款」 is said to be a sentence
    assert "第（十四）条" not in res.text and res.text.startswith("（十四）只有一段，不分款；"), res.text


@pytest.mark.parametrize("bad", ["", "   ", "问" * 5000, "纪委\x00书记", "报告\x1b[2J"])
def test_bad_questions_raise_a_clear_error(real_qa, bad):
    with pytest.raises(BadQuestion):
        real_qa.ask(bad)


def test_concurrent_users_get_the_same_answers(real_qa):
    from concurrent.futures import ThreadPoolExecutor
    qs = ["纪委书记发现班子成员有重要问题，应该向谁报告？", "第十四条讲了什么", "党费按什么比例缴纳？",
          "太原为民办学校和医院选派了多少名党组织书记？"]
    expected = {q: real_qa.ask(q).text for q in qs}
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda q: (q, real_qa.ask(q).text), qs * 4))
    assert all(a == expected[q] for q, a in got)
