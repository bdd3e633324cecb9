"""References into real laws (../shared/corpora/laws): the Civil Code's 编/分编/章/附则, article numbers in
the thousands, short names (刑法), and a law the library lacks said to be absent, with what repealed it."""
from pathlib import Path

import pytest

from tests.conftest import HashEmbedder
from qa.search.refs import find_ref

LAWS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "laws"
FILES = [LAWS / name for name in ("民法典(2020-05-28).md", "劳动合同法(2012-12-28).md", "刑法(2023-12-29).md")]
pytestmark = pytest.mark.skipif(not all(f.exists() for f in FILES), reason="../shared/corpora/laws is not beside the project")


@pytest.fixture(scope="module")
def library():
    from qa.ingest import load_corpus
    from qa.search import Library
    corpus = load_corpus(FILES)
    return Library(corpus.documents, corpus.passages)


def _resolve(library, question):
    from qa.search import find_ref
    return library.resolve(find_ref(question), question)


def test_the_civil_code_outline_has_its_sub_books_and_supplementary_provisions(library):
    code = next(d for d in library.documents if d.title.endswith("民法典"))
    headings = [p.text for p in code.passages if p.kind == "division"]
    assert sum(h.startswith("第一分编") for h in headings) == 2 and "附则" in headings
    last = next(p for p in code.passages if p.article_no == 1260)
    assert last.divisions == ["附则"] and last.where() == "附则 第一千二百六十条"
    tort = next(p for p in code.passages if p.article_no == 1188)
    assert tort.divisions[0] == "第七编 侵权责任" and tort.divisions[-1].startswith("第三章")


@pytest.mark.parametrize("question,article", [
    ("民法典第一千零七十九条是怎么规定的", 1079), ("民法典第一千二百六十条", 1260), ("民法典第七十九条", 79),
    ("劳动合同法第三十九条", 39), ("刑法第二百六十四条", 264)])
def test_article_numbers_in_the_thousands_and_short_names(library, question, article):
    res = _resolve(library, question)
    assert len(res.targets) == 1 and res.targets[0].passages[0].article_no == article, question


def test_a_chapter_is_read_inside_the_book_given(library):
    res = _resolve(library, "民法典第七编第三章讲什么")
    head, *body = res.targets[0].passages
    assert head.text.startswith("第三章") and "责任主体的特殊规定" in head.text
    articles = [p.article_no for p in body if p.kind == "article"]
    assert articles == list(range(1188, 1202))
    res = _resolve(library, "民法典第三编")
    assert res.targets[0].passages[0].text == "第三编 合同"
    assert [p.article_no for p in _resolve(library, "民法典附则").targets[0].passages[1:]] == [1259, 1260]
    assert _resolve(library, "劳动合同法附则").targets[0].passages[0].text.endswith("附则")


@pytest.mark.parametrize("question,heading,first", [
    ("民法典婚姻家庭编第四章", "第四章  离婚", 1076), ("婚姻家庭编第四章离婚有哪些规定", "第四章  离婚", 1076),
    ("物权编第四分编讲什么", "第四分编  担保物权", 386), ("民法典第二编第四分编", "第四分编  担保物权", 386),
    ("合同编第二分编第十章", "第十章  供用电、水、气、热力合同", 648), ("民法典总则编第四章", "第四章  非法人组织", 102)])
def test_a_book_named_by_its_title_and_a_sub_book_by_its_number(library, question, heading, first):
    res = _resolve(library, question)
    head, *body = res.targets[0].passages
    assert head.text.replace("\u2002", " ") == heading.replace("\u2002", " "), question
    assert next(p.article_no for p in body if p.kind == "article") == first


def test_bian_inside_a_word_names_no_book():
    assert find_ref("人员编制第三章").book_title == "" and find_ref("资料汇编里说了什么").book_title == ""
    assert not find_ref("编制多少人")

def test_a_law_the_library_lacks_is_not_a_law_that_contains_its_name(library):
    res = _resolve(library, "合同法第五十二条")
    assert res.unknown == "合同法" and not res.targets
    assert [r.name for r in library.absent_named("合同法第五十二条")] == ["中华人民共和国合同法"]
    assert library.absent_named("劳动合同法第三十九条") == []


@pytest.fixture(scope="module")
def law_qa(tmp_path_factory):
    from qa import QA
    return QA(embedder=HashEmbedder(), corpus=FILES, index_dir=tmp_path_factory.mktemp("laws") / "index")


def test_answers_say_what_is_absent_and_cite_what_repealed_it(law_qa):
    res = law_qa.ask("合同法第五十二条")
    assert not res.found and "文档中没有名为《合同法》的文件" in res.text
    cite = res.citations[0]
    assert cite.article == "第一千二百六十条" and "同时废止" in cite.quotes[0].text
    assert f"[{cite.rank}]" in res.text
    book = law_qa.ask("民法典第三编讲什么")
    assert book.intent == "reference" and "第一分编" in book.text and "第二分编" in book.text
    assert all(c.text in book.text for c in book.citations)


def test_a_question_naming_a_law_is_answered_from_it(law_qa):
    for question, title in (("劳动合同法对试用期有什么规定", "劳动合同法"), ("刑法对盗窃罪怎么处罚", "刑法"),
                            ("民法典关于试用期有规定吗", "民法典")):
        res = law_qa.ask(question)
        assert res.passages[0].title.endswith(title), (question, res.passages[0].title)
