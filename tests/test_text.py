from qa.text import clause_spans, cn_to_int, display, ends_sentence, fold, int_to_cn, sentence_spans


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
