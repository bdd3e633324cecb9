"""The parser on the real default corpus: what a reader of these five pages would find."""
import re
from collections import Counter

from qa.search.refs import find_ref
from qa.text import int_to_cn

OPINION = "中共中央关于加强对“一把手”和领导班子监督的意见"
PART_TITLES = ["充分认识加强对“一把手”和领导班子监督的重要性紧迫性", "加强对“一把手”的监督",
               "加强同级领导班子监督", "加强对下级领导班子的监督", "切实加强党对监督工作的领导"]


def clause_titles(doc):
    seen = {}
    for p in doc.passages:
        if p.kind == "clause":
            seen.setdefault(p.clause_no, p.clause_title)
    return seen


def test_opinion_has_five_parts_and_twenty_five_titled_clauses(opinion):
    assert opinion.title == OPINION and opinion.date == "2021年3月27日"
    parts = [p for p in opinion.passages if p.kind == "part"]
    assert [p.text for p in parts] == [f"{int_to_cn(i + 1)}、{t}" for i, t in enumerate(PART_TITLES)]
    titles = clause_titles(opinion)
    assert sorted(titles) == list(range(1, 26))
    assert titles[14] == "完善纪委书记谈话提醒制度，如实报告领导班子成员履职尽责和廉洁自律情况"
    assert titles[1] == "把对“一把手”的监督作为重中之重，强化监督检查"
    assert titles[25] == "积极探索创新，增强针对性、有效性"
    by_part = Counter(p.part_no for p in opinion.passages if p.kind == "clause")
    assert {k for k in by_part} == {2, 3, 4, 5}
    assert {p.clause_no for p in opinion.passages if p.part_no == 3 and p.kind == "clause"} == set(range(8, 15))


def test_offsets_are_a_contract(corpus):
    docs = {d.id: d for d in corpus.documents}
    for d in corpus.documents:
        for p in d.passages:
            assert d.text[p.start:p.end] == p.text
            assert p.line >= 1
    for p in corpus.passages:
        for s in p.sources:
            src = docs[s["doc_id"]]
            assert src.source == s["source"]
            assert len(src.text[s["start"]:s["end"]]) == s["end"] - s["start"] > 0


def test_passages_keep_source_lines(opinion):
    p14 = next(p for p in opinion.passages if p.clause_no == 14)
    raw = open("data/corpus/000_0dea9b20fcaf03ac.txt", encoding="utf-8").read().split("\n")
    assert raw[p14.line - 1].startswith("(十四)")


def test_articles_are_split_and_never_attributed_to_the_opinion(corpus):
    for d in corpus.documents:
        if d.title == OPINION:
            assert "林武" not in d.text and "蓝佛安" not in d.text and "锦绣太原城" not in d.text
    titles = [d.title for d in corpus.documents]
    assert "全面加强文物保护 深入推进红色教育" in titles
    assert "为民创建不停步 持续攻坚不松劲" in titles
    assert titles.count(OPINION) == 2                 # 000 and 001
    speech = [d for d in corpus.documents if "林武说" in d.text]
    assert len(speech) == 2 and all(d.untitled for d in speech)
    xinhua = [d.title for d in corpus.documents if d.source.startswith("004")]
    assert xinhua == ["加强严督实导 确保取得实效", "国务院安全生产和消防工作考核巡查组已完成对32个省级政府现场考核巡查",
                      "住房和城乡建设部发布指导意见", "“把心贴近人民”", "强化党建引领保障 推进法治机关建设"]
    # a section heading inside an article is not a new article
    assert "深化运用：走好新时代党的群众路线" not in xinhua


def test_vertical_title_is_read_as_one_line(corpus):
    d = next(d for d in corpus.documents if d.source.startswith("002"))
    assert d.title == "坚持不懈抓好党内政治生态建设"
    assert not any(len(p.text) < 3 for p in d.passages)


def test_words_broken_across_blank_lines_are_joined(corpus):
    texts = "\n".join(d.text for d in corpus.documents)
    assert "不断提高政治判断力、政治领悟力" in texts            # 林武's speech, 「政治判\n\n断力」
    assert "加强和规范党内政治生活的领导责任" in texts          # （九）
    assert "下级单位领导班子民主生活会的指导" in texts          # （十八）
    assert "认真学习中央及省委确定的规定书目" in texts          # 002: continued a column later
    assert not re.search(r"政治判\n", texts)


def test_bylines_captions_and_web_junk_are_not_passages(corpus):
    all_text = "\n".join(p.text for p in corpus.passages)
    for junk in ("已收藏", "您可通过新浪首页", "文章关键词", "知道了", "乔玉芳 摄", "本报记者",
                 "太铁机关党委在赛马场党群服务中心组织生活馆开展主题党日活动", "上接第1版", "新华社北京6月1日电"):
        assert junk not in all_text, junk
    d002 = next(d for d in corpus.documents if d.source.startswith("002"))
    assert "本报记者 弓凤飞" in d002.bylines and len(d002.captions) == 3


def test_ocr_slips_are_kept_in_the_text(corpus):
    texts = "\n".join(d.text for d in corpus.documents)
    assert "及时发现問題" in texts and "对 future 负责" in texts


def test_versions_are_merged_with_their_differences(corpus):
    opinion_clauses = [p for p in corpus.passages if p.title == OPINION and p.kind == "clause"]
    numbers = Counter(p.clause_no for p in opinion_clauses)
    assert set(numbers) == set(range(1, 26)) and max(numbers.values()) == 1   # never the same clause twice
    c23 = next(p for p in opinion_clauses if p.clause_no == 23)
    assert sorted(s["source"][:3] for s in c23.sources) == ["000", "001"]
    c14 = next(p for p in opinion_clauses if p.clause_no == 14)
    assert [s["source"][:3] for s in c14.sources] == ["000"]                  # 001 lacks it
    first = next(p for p in corpus.passages if "党执政兴国的指挥" in p.text)
    diffs = [(d["this"], d["other"]) for v in first.variants for d in v["diffs"]]
    assert ("部", "棒") in diffs or ("棒", "部") in diffs
    # 001 prints the second half of （十八） after 林武's speech: it is found and merged
    c18 = next(p for p in opinion_clauses if p.clause_no == 18)
    assert sorted(s["source"][:3] for s in c18.sources) == ["000", "001"]
    assert not any("民主生活会质量" in d.text for d in corpus.documents if "林武说" in d.text)
    # 001 has no part headings 三、四、: its clauses still get the right part
    c19 = next(p for p in opinion_clauses if p.clause_no == 19)
    assert c19.part == "四、加强对下级领导班子的监督"


def test_other_duplicated_articles_are_merged_too(corpus):
    relic = [p for p in corpus.passages if "留存历史记忆" in p.text]
    assert len(relic) == 1 and len(relic[0].sources) == 2


def test_passages_are_citation_sized_and_end_at_sentences(corpus):
    for p in corpus.passages:
        assert len(p.text) <= 800
        if p.kind == "text" and len(p.text) > 40:
            assert p.text[-1] in "。！？”…；：）" or p.end == len(next(d for d in corpus.documents if d.id == p.doc_id).text), p.text[-20:]


def test_news_sub_headings_are_sections_not_body_text(corpus):
    feature = [p for p in corpus.passages if p.title == "“把心贴近人民”"]
    assert not any("——" in p.text for p in feature)
    sections = [p.section for p in feature]
    assert "从方法到制度，“四下基层”内涵日益深化" in sections
    assert "从线下到线上，“四下基层”方式方法不断丰富" in sections
    # the paragraph right after a sub-heading starts a passage under it
    seat = next(p for p in feature if "四张小桌拼成" in p.text)
    assert seat.text.startswith("四张小桌拼成") and seat.section.startswith("从方法到制度")


def test_one_line_paragraphs_join_their_neighbours_in_the_same_section(corpus):
    from qa.ingest.structure import PASSAGE_MAX, PASSAGE_MIN
    for d in corpus.documents:
        ps = d.passages
        for i, p in enumerate(ps):
            if p.kind != "text" or len(p.text) >= PASSAGE_MIN:
                continue
            # a short passage stays alone only when no text neighbour of its section can take it
            for n in (ps[i - 1] if i else None, ps[i + 1] if i + 1 < len(ps) else None):
                if n is not None and n.kind == "text" and n.section == p.section:
                    assert max(n.end, p.end) - min(n.start, p.start) > PASSAGE_MAX, (d.title, p.text)


def test_part_structure_of_the_circular(corpus):
    d = next(d for d in corpus.documents if d.source.startswith("003"))
    assert d.title == "中共山西省委党的群众路线教育实践活动领导小组"
    assert [p.part_no for p in d.passages if p.kind == "part"] == list(range(1, 8))


def test_clause_references_resolve(corpus):
    assert find_ref("意见第（十四）条").clause == 14
    assert find_ref("第十四条是什么").clause == 14
    assert find_ref("第三部分讲什么").part == 3
    assert find_ref("10、保管人发现仓储物变质可以处置吗？").part == 0      # the number of a list of questions
    assert find_ref("三、加强同级领导班子监督讲了什么").part == 3
    assert find_ref("意见最后一部分").last_part
    assert not find_ref("疫情期间抽调了多少名干部")


def test_a_draft_under_the_finals_title_is_another_text_not_a_copy(tmp_path):
    from qa.ingest import load_corpus
    body = "星海市公务用车管理办法\n第一条 为了规范公务用车管理，制定本办法。\n第二条 公务用车实行编制管理。\n第三条 严禁公车私用。\n"
    (tmp_path / "星海市公务用车管理办法.txt").write_text(body, encoding="utf-8")
    (tmp_path / "另一份.txt").write_text(body, encoding="utf-8")                   # a copy: merged
    (tmp_path / "公务用车办法（征求意见稿）.txt").write_text(body.replace("严禁", "原则上不得"), encoding="utf-8")
    corpus = load_corpus([tmp_path])
    titles = {d.source: d.title for d in corpus.documents}
    assert titles["公务用车办法（征求意见稿）.txt"] == "星海市公务用车管理办法（征求意见稿）"
    assert titles["另一份.txt"] == titles["星海市公务用车管理办法.txt"] == "星海市公务用车管理办法"
    third = [p for p in corpus.passages if p.article == "第三条"]
    assert len(third) == 2                                          # the final (with its copy) and the draft
    final = next(p for p in third if "严禁" in p.text)
    assert {s["source"] for s in final.sources} == {"星海市公务用车管理办法.txt", "另一份.txt"}



def test_two_different_texts_under_one_title_are_not_copies(tmp_path):
    from qa.ingest import load_corpus
    first = ("关于做好档案整理工作的通知\n各部门：\n第一条 各部门应当在每年三月底前完成上一年度文书档案的整理归档。\n"
             "第二条 电子文件与纸质文件同步归档，归档范围按照档案馆的规定执行。\n第三条 逾期未归档的，予以通报。\n")
    other = ("关于做好档案整理工作的通知\n各乡镇：\n第一条 今年汛期将至，各乡镇应当把库房防潮防霉放在首位。\n"
             "第二条 发现档案受潮霉变的，立即报告县档案局并组织抢救。\n")
    (tmp_path / "档案通知.txt").write_text(first, encoding="utf-8")
    (tmp_path / "档案通知-副本.txt").write_text(first.split("第三条")[0], encoding="utf-8")   # a copy cut short
    (tmp_path / "乡镇档案通知.txt").write_text(other, encoding="utf-8")
    docs = load_corpus([tmp_path]).documents
    family = {d.source: d.family for d in docs}
    assert family["档案通知.txt"] == family["档案通知-副本.txt"] != family["乡镇档案通知.txt"]
    passages = load_corpus([tmp_path]).passages
    firsts = [p for p in passages if p.article == "第一条"]
    assert len(firsts) == 2                  # one per text; the copy's is merged into its original's
    assert {s["source"] for p in firsts for s in p.sources} == {"档案通知.txt", "档案通知-副本.txt", "乡镇档案通知.txt"}


def test_a_dated_draft_is_an_older_version_of_its_final(tmp_path):
    from qa.ingest import load_corpus
    body = "星海市公务用车管理办法\n第一条 为了规范公务用车管理，制定本办法。\n第二条 严禁公车私用。\n"
    (tmp_path / "星海市公务用车管理办法（征求意见稿）(2020-03-01).txt").write_text(body.replace("严禁", "不得"), encoding="utf-8")
    (tmp_path / "星海市公务用车管理办法(2021-01-15).txt").write_text(body, encoding="utf-8")
    docs = load_corpus([tmp_path]).documents
    assert len({d.family for d in docs}) == 1 and sorted(d.version for d in docs) == ["2020-03-01", "2021-01-15"]
    assert {d.title for d in docs} == {"星海市公务用车管理办法", "星海市公务用车管理办法（征求意见稿）"}
