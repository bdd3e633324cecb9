"""The 681 real regulations in ../shared/corpora (read from there, never copied): outline, lookup by title,
dated versions and boilerplate that must stay with each document."""
from pathlib import Path

import pytest

from bench.structure import truth
from qa.ingest.corpus import load_corpus
from qa.search.library import Library
from qa.search.refs import find_ref
from qa.text import int_to_cn
from qa.ingest.versions import changed_articles

REGULATIONS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "regulations"
pytestmark = pytest.mark.skipif(not REGULATIONS.is_dir(), reason="../shared/corpora/regulations is not beside the project")
PAIR = "国务院关于经营者集中申报标准的规定"


@pytest.fixture(scope="module")
def regs():
    return load_corpus([REGULATIONS])


@pytest.fixture(scope="module")
def library(regs):
    return Library(regs.documents, regs.passages)


def test_articles_and_chapters_are_found(regs):
    found = {(d.source, p.line, p.kind, p.article_no or p.chapter_no) for d in regs.documents for p in d.passages}
    n_art = n_chap = hit_art = hit_chap = 0
    for path in sorted(REGULATIONS.glob("*.md")):
        arts, chaps = truth(path.read_text(encoding="utf-8"))
        n_art += len(arts)
        n_chap += len(chaps)
        hit_art += sum((path.name, line, "article", n) in found for line, n in arts.items())
        hit_chap += sum((path.name, line, "division", n) in found for line, n in chaps.items())
    assert n_art > 25000 and n_chap > 2900
    assert hit_art / n_art >= 0.995 and hit_chap / n_chap >= 0.995, (hit_art, n_art, hit_chap, n_chap)


def test_shared_boilerplate_is_never_merged_across_documents(regs):
    family = {d.id: d.family for d in regs.documents}
    docs = {d.id: d for d in regs.documents}
    for p in regs.passages:
        assert len({family[s["doc_id"]] for s in p.sources} | {family[p.doc_id]}) == 1
    closing = [p for p in regs.passages if p.kind == "article" and p.text.endswith("本条例自公布之日起施行。")]
    assert len({docs[p.doc_id].title for p in closing}) > 20


def test_article_lookup_by_title_on_a_sample(regs, library):
    sample = [d for d in regs.documents if any(p.kind == "article" for p in d.passages)][::23]
    assert len(sample) >= 25
    for d in sample:
        fam = d.family
        doc, version = library.pick_version(fam)
        arts = [p for p in library.family_passages(fam, version) if p.kind == "article"]
        target = arts[len(arts) // 2]
        name = d.title.removeprefix("中华人民共和国")
        q = f"{name}第{int_to_cn(target.article_no)}条" + (f"之{int_to_cn(target.article_sub)}" if target.article_sub else "") + "是怎么规定的"
        res = library.resolve(find_ref(q), q)
        assert len(res.targets) == 1, (q, [t.doc.title for t in res.targets])
        assert res.targets[0].doc.title == d.title and res.targets[0].passages[0].article_no == target.article_no, q


def test_dated_versions(library):
    fam = next(f for f, docs in library.family_docs.items() if docs[0].title == PAIR)
    assert library.versions(fam) == ["2018-09-18", "2024-01-22"]
    assert library.pick_version(fam)[1] == "2024-01-22"
    assert library.pick_version(fam, "2018")[1] == "2018-09-18"
    res = library.resolve(find_ref(f"2018年版{PAIR}第三条"), f"2018年版{PAIR}第三条")
    assert "100亿元" in res.targets[0].passages[0].text
    res = library.resolve(find_ref(f"{PAIR}第三条"), f"{PAIR}第三条")
    assert "120亿元" in res.targets[0].passages[0].text
    pairs = changed_articles(library.family_passages(fam, "2018-09-18"), library.family_passages(fam, "2024-01-22"))
    changed = {(a or b).article_no for a, b in pairs}
    assert {3, 4, 5, 6, 7} <= changed and 1 not in changed and 2 not in changed
