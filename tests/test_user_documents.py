"""A user's own regulations beside the default corpus, with the real model and index: lookup by name, chapter,
款 and 项, pages in citations, an ambiguous bare 第七条, dated versions and what changed."""
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.makedocs import make_pdf

REGULATIONS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "regulations"
PAIR = "国务院关于经营者集中申报标准的规定"


@pytest.fixture(scope="module")
def user_qa(tmp_path_factory, seeded_index_dir):
    from qa import QA
    d = tmp_path_factory.mktemp("userdocs")
    make_pdf(d / "接待规定.pdf")
    corpus = [CORPUS, d]
    versions = sorted(REGULATIONS.glob(f"{PAIR}(*).md"))
    if versions:          # read from ../shared, never copied into the project
        corpus += versions
    return QA(index_dir=seeded_index_dir("idx"), corpus=corpus)


def test_article_by_document_name_cites_article_and_page(user_qa):
    res = user_qa.ask("公务接待管理规定第六条是怎么规定的？")
    assert res.intent == "reference" and res.found and not res.ambiguous
    c = res.citations[0]
    assert c.article == "第六条" and c.title.endswith("公务接待管理规定")
    assert c.location == "第二章 接待管理 第六条（第2页）"
    assert "向本级纪检监察机关报告" in res.text


def test_paragraph_and_item_of_an_article(user_qa):
    res = user_qa.ask("公务接待管理规定第六条第二款")
    assert "接待清单应当报本级财政部门备案" in res.text
    assert "第二款" in res.citations[0].location
    res = user_qa.ask("公务接待管理规定第七条第（三）项")
    assert "不得在住房内摆放花草" in res.text and "第一项" not in res.text


def test_chapter_lookup_lists_its_articles(user_qa):
    res = user_qa.ask("公务接待管理规定第二章讲的是什么")
    assert res.intent == "reference" and res.text.startswith("第二章")
    assert "第四条" in res.text and "第七条" in res.text and "第八条" not in res.text


def test_bare_article_number_with_several_documents_is_ambiguous(user_qa):
    res = user_qa.ask("第七条讲了什么")
    assert res.ambiguous and "没有指明" in res.text
    titles = {c.title for c in res.citations}
    assert len(titles) >= 2 and any(t.endswith("公务接待管理规定") for t in titles)
    # the previous turn names the document: a follow-up needs no name
    first = user_qa.ask("公务接待管理规定第六条")
    res = user_qa.ask("它的第二款呢", history=[first])
    assert "接待清单应当报本级财政部门备案" in res.text


def test_a_unit_no_document_has_is_said_plainly(user_qa):
    res = user_qa.ask("公务接待管理规定第三十条")
    assert not res.found and "没有第三十条" in res.text and "共 9 条" in res.text


def test_opinion_lookups_keep_working(user_qa):
    res = user_qa.ask("第十四条讲了什么")
    assert res.citations[0].clause == "（十四）" and not res.ambiguous
    res = user_qa.ask("意见的第三部分是关于什么的？")
    assert "加强同级领导班子监督" in res.text


def test_reporting_duty_in_a_regulation(user_qa):
    res = user_qa.ask("接待单位发现接待对象提出超标准要求，应当向谁报告？")
    assert res.intent == "relation" and "本级纪检监察机关" in res.text.splitlines()[0]
    assert res.citations[0].article == "第六条"
    rows = [r for r in user_qa.index.relations if r.title.endswith("公务接待管理规定")]
    assert {("接待单位", "本级纪检监察机关", "报告"), ("接待单位", "本级财政部门", "备案")} <= \
        {(r.reporter, r.recipient, r.verb) for r in rows}


@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="../shared/corpora/regulations is not beside the project")
def test_dated_versions_answer_from_the_newest_unless_a_year_is_named(user_qa):
    res = user_qa.ask(f"{PAIR}第三条")
    assert "120亿元" in res.text and "2024-01-22 版" in res.text and "2018-09-18" in res.text
    res = user_qa.ask(f"2018年版{PAIR}第三条")
    assert "100亿元" in res.text
    res = user_qa.ask(f"{PAIR}修改了哪些条？")
    assert res.intent == "changes" and "【第三条】" in res.text and "【第一条】" not in res.text
    assert "100亿元" in res.text and "120亿元" in res.text
    # a content question is answered from the newest version only, and says so
    res = user_qa.ask("经营者集中达到什么营业额标准需要事先申报？")
    assert res.found and all(c.version in ("", "2024-01-22") for c in res.citations)


def test_a_document_name_no_file_has_is_said_plainly(user_qa):
    res = user_qa.ask("食品安全法实施条例第十条")
    assert not res.found and "没有名为《食品安全法实施条例》" in res.text
    res = user_qa.ask("关于加强一把手监督的意见第三部分讲什么")      # a loose name still finds its document
    assert res.found and "加强同级领导班子监督" in res.text
