from qa.text import clause_spans, cn_to_int, display, ends_sentence, fold, int_to_cn, lead_in, sentence_spans


def test_display_makes_chinese_punctuation_full_width_but_leaves_numbers_and_urls():
    assert display("党委(党组),纪检监察机关;如下:") == "党委（党组），纪检监察机关；如下："
    assert display("(2021年3月27日)") == "（2021年3月27日）"
    assert display("征求到5.6万条,占82.1%") == "征求到5.6万条，占82.1%"
    assert display("www.sina.com.cn") == "www.sina.com.cn"
    assert display("f(x)") == "f(x)"


def test_fold_ignores_width_and_case():
    assert fold("党委（党组），ＡＢ") == fold("党委(党组),ab")


def test_sentence_spans_cover_both_widths_and_closing_quotes():
    text = "第一句。第二句!“第三句。”第四句"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["第一句。", "第二句!", "“第三句。”", "第四句"]


def test_clause_spans_split_at_semicolons():
    text = "甲；乙;丙"
    assert [text[s:e] for s, e in clause_spans(text, 0, len(text))] == ["甲；", "乙;", "丙"]


def test_ends_sentence():
    assert ends_sentence("报告。") and ends_sentence("“说完。”") and not ends_sentence("政治判")


def test_chinese_numerals_round_trip():
    for n in range(1, 100):
        assert cn_to_int(int_to_cn(n)) == n
    assert cn_to_int("二十五") == 25 and cn_to_int("十四") == 14 and cn_to_int("14") == 14
    assert cn_to_int("十x") is None


ARTICLE = ("第二十六条 专利代理师有下列行为之一的，予以警告，可以处5万元以下的罚款；情节严重的，吊销专利代理师资格证：\n\n"
           "(一)未依照本条例规定进行备案；\n\n(二)自行接受委托办理专利代理业务。\n违反前款规定的，依法追究责任。")


def test_an_item_has_its_lead_in_sentence_with_all_its_clauses():
    s, e = lead_in(ARTICLE, ARTICLE.index("(二)"))
    assert ARTICLE[s:e] == ARTICLE.split("\n")[0]          # the whole first line, 「；」 clauses and all
    assert lead_in(ARTICLE, ARTICLE.index("(一)")) == (s, e)


def test_no_lead_in_outside_items_or_without_a_colon():
    assert lead_in(ARTICLE, 0) is None                       # the lead-in itself
    assert lead_in(ARTICLE, ARTICLE.index("违反前款")) is None   # a 款 of its own, not an item
    assert lead_in("第三条 下列材料应当提交。\n（一）身份证明；", 18) is None   # the line does not end with a colon
    text = "第五条 申请应当书面提出。申请人应当提交下列材料：\n（一）身份证明；"
    s, e = lead_in(text, text.index("（一）"))
    assert text[s:e] == "申请人应当提交下列材料："                    # only its last sentence
