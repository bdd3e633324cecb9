"""What a question asks for — a time limit, an amount, a count in its unit, a body, a sanction, a date or
event, documents of a given year — and whether a sentence holds a thing of that kind."""
from __future__ import annotations

import re

from ..text import NUMERAL, person_names

# Amounts, not outline numbers: decimals, 万 and 半 count here.
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二三四五六七八九十两百千万]+|半)"
_CALENDAR = (r"\d{1,4}\s*[年月日]|[一二三四五六七八九十]+月|之日起|起施行|今年|去年|当年|"
             # a day of the week or an hour of the day answers 「哪天」「什么时间」 too: 「每周三」「上午9时」
             r"(?:周|星期|礼拜)[一二三四五六日天]|工作日|节假日|[上下]午\s*\d|\d{1,2}\s*(?:[:：]\s*\d\d|时)")
# A law's 「什么时候」 is an event: 「继承从被继承人死亡时开始」「自贷款人提供借款时成立」「期满的」.
_EVENT_TIME = (r"(?:自|从|于)[^，。；：]{1,24}(?:时|之时|之日|以后|之后)|[^，。；：]{1,24}时(?:开始|成立|生效|终止|起)|"
               r"期满|届满|之日起")
# 「哪一年」「几月」 ask for a calendar date, which no event answers.
_CALENDAR_Q = re.compile(r"哪一?年|几月|哪一?天|哪个月")
# What a party of a law does: the verb after 「由…」 or after the party's name.
_DUTY = r"承担|负责|收取|赔偿|支付|交纳|缴纳|提供|决定|行使|办理|享有|取得|负担|补偿|获得"
# 「哪个内设部门」「哪家法院」: a body asked by its kind.
_WHICH_BODY = r"哪(?:个|家|些|一级)[\u4e00-\u9fff]{0,3}?(?:部门|机关|机构|单位|公司|企业|法院|检察院|医院|学校)"
# Measure words a count can be in besides persons and items (「多少起案件」「几桌」): asked and answered alike.
_MEASURE = "起|件|桌|份|篇|场"
# The question's slots: what kind of thing it asks for, and what a sentence holding one looks like.
# (name, what the documents would have to give — shown in the answer, question pattern, filler pattern
#  or a function that finds fillers)
SLOTS = (
    ("money", "金额", r"多少钱|多少元|罚款多少|罚多少|收费标准|费用是多少|多少费|报名费|保证金|"
                      r"多少[\u4e00-\u9fff]{0,4}(?:补贴|补助|工资|津贴|报酬|奖金|经费|资金)|(?:补贴|补助|工资|津贴|报酬|奖金)(?:是)?多少",
     rf"{_NUM}\s*(?:万|千)?元"),
    ("deadline", "时限", r"(?:几|多少)个?(?:工作)?(?:日|天|月)内|多久(?:内|之内|以内)?(?:完成|办结|作出|报送|提交|答复|反馈)|"
                        r"时限|期限是|期限为|多长时间内|几个?月内|多少天内",
     rf"{_NUM}\s*个?(?:工作)?(?:日|天|月|年|小时)(?:内|以内|之内)|即时|当日|立即|及时"),
    ("frequency", "频次", r"多久[\u4e00-\u9fff]{0,12}一次|(?:每年|每月|每季度|一年|每届)(?:要)?(?:开|考|举行|进行|开展)?几次|"
                         r"几次|多长时间一次|频次|(?:每年|每月)开展几",
     rf"每(?:年|月|季度|半年|周|届)\s*(?:至少)?\s*(?:{_NUM}\s*次|一次)|{_NUM}\s*次"),
    ("duration", "年限或时长", r"几年|多少年|多长时间|多久|任期|几个月|多少天|几天|几周|(?:多少|几)个?小时|(?:多少|几)分钟",
     rf"{_NUM}\s*(?:个)?(?:年|月|天|日|小时|分钟|周)|永久|长期|终身"),
    ("count", "数量", rf"多少(?:个|名|人|家|项|条|所|次|批|位|岁|级|分|字|{_MEASURE})|(?<!哪)几(?:个|名|人|家|项|条|所|批|位|岁|{_MEASURE})|"
              r"多少$|多少？",
     rf"{_NUM}\s*(?:个|名|人|家|项|条|所|批|位|万|千|百|岁|级|分|倍|字|{_MEASURE})|\d+(?:\.\d+)?\s*%|百分之"),
    ("ratio", "比例", r"比例|百分之几|百分比|占多少|几成",
     r"\d+(?:\.\d+)?\s*%|百分之|分之|比例为|成"),
    ("date", "时间", r"哪一?年|何时|什么时候|什么时间|几月|哪一?天|哪个月",
     rf"{_CALENDAR}|{_EVENT_TIME}"),
    ("sanction", "处分或处罚", r"什么(?:党纪)?处分|什么处罚|怎么罚|怎样处罚|处以|降级|撤职|开除|罚款|受到什么",
     r"处分|罚款|警告|记过|降级|撤职|开除|追究.{0,6}责任|责令|没收|吊销|诫勉|问责|严肃处理|依规依纪|"
     r"依法处理|通报|停止"),
    # where to write or call: an address, a telephone number, a web site or mailbox
    ("contact", "联系方式或地址", r"网址|举报网站|邮箱|电子信箱|电话是|电话号码|联系电话|热线|联系方式|办公地点|办公地址|地址是|地址在",
     r"https?://|www\.|\.(?:cn|com|org)\b|@|\d{3,4}[-－]\d{7,8}|\d{5,}|(?:电话|邮箱|地址)[:：]|[路街道]\s*\d+\s*号"),
    # a person's name: no pattern finds one, jieba's tagger does
    ("name", "姓名", r"叫什么名字|(?:名字|姓名)(?:是|叫)什么|姓甚名谁", person_names),
    ("body", "负责的机关或人员", rf"由谁|谁(?:来|负责|打分|批准|审批|决定|审核|组织)|{_WHICH_BODY}|向谁|找谁|给谁|归谁|跟谁|什么部门|什么机关",
     r"委|部门|机关|机构|党组|党组织|政府|负责人|书记|组长|局|厅|院|办公室|小组|委员会|公司|企业|"
     # a law names its party as the subject: 「由所有人承担」「质权人有权收取」「业主应当交纳」
     # — or a duty whose subject stands earlier in the sentence (「堆放人不能证明…的，应当承担侵权责任」)
     rf"由[^，。；：]{{1,24}}(?:{_DUTY})|(?:人|者|方|主|单位)(?:仍然|仍|也|均|都)?(?:应当|有权|可以|依法)?(?:{_DUTY})|"
     rf"(?:应当|有权|须)(?:依法)?(?:{_DUTY})|"
     # who gets a thing (「补偿费给谁」「归谁所有」): the party it belongs to or who has a right to it
     rf"归[^，。；：]{{1,16}}所有|(?:人|者|方|主|单位)有权[^，。；：]{{1,20}}(?:{_DUTY}|请求|要求)"),
)
_SLOTS = [(name, label, re.compile(q), re.compile(f).search if isinstance(f, str) else f) for name, label, q, f in SLOTS]
# What the asked body or date is asked about: the words after the ask (「由谁打分」「哪个部门保管」「哪一年
# 写进党章」). A sentence naming some body or date answers only if it also says that thing is done.
_ACTION = {"body": re.compile(rf"(?:由谁|向谁|找谁|给谁|归谁|跟谁|谁|{_WHICH_BODY}|什么部门|什么机关)(?:来|去)?([^，。；？?！!]*)"),
           "date": re.compile(r"(?:哪一?年|何时|什么时候|什么时间段?|几月|哪一?天|哪个月)(?:就|才|要|会|能)?([^，。；？?！!]*)")}
# A document's own date (「（2021年3月27日）」 under its title) is when it was issued.
_ISSUING = re.compile(r"印发|发布|出台|颁布|下发|制定|通过")
_OWN_DATE = re.compile(r"[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[)）]")
_PARTICLES = re.compile(r"(?:的|了|吗|呢|啊|呀|么|过)+$")
# 「被楼上扔的东西砸伤了，应该找谁赔偿？」 asks who is liable, in the words of the situation; a sentence that
# puts liability on a party (「由侵权人依法承担侵权责任」) is about that whatever words the situation used.
_LIABILITY_Q = re.compile(r"(?:找谁|向谁|由谁|谁)[^，。？?]{0,8}(?:赔偿|赔|担责|承担[^，。？?]{0,4}责任)|"
                          r"赔偿[^，。？?]{0,6}(?:找谁|向谁|谁)")
_LIABILITY = re.compile(r"承担[^，。；：]{0,8}责任|(?:给予|予以|负责)?(?:赔偿|补偿)")
# Words that answer 「多久一次」「多长时间内」 only loosely: the answer quotes them as related and says
# that no exact frequency or time limit is given.
_VAGUE = {"frequency": re.compile(r"定期|经常|每年|适时|不定期"), "deadline": re.compile(r"及时|尽快|按时|限期"),
          "duration": re.compile(r"定期|一定期限|规定的期限")}
# 「2024年又出台了哪些…新规定」: documents issued in a year. A year in a situation (「我2025年入职」) is no such ask.
_ISSUED_IN = re.compile(r"((?:19|20)\d\d)\s*年[^。？?，,]{0,8}?(?:又|新|最新)?(?:出台|发布|印发|颁布|修订|修改|新规|新政)")
# Unit the question counts in (几年 → 年): the sentence's quantity must be in the same unit.
_ASKED_UNIT = re.compile(rf"(?:几|多少)\s*个?\s*(工作日|年|月|天|日|次|名|人|元|项|家|条|倍|岁|小时|分钟|周|字|{_MEASURE})")
_SAME_UNIT = {"天": "日|天", "日": "日|天", "工作日": "日|天|工作日", "人": "人|名", "名": "人|名"}


def asked_slots(question: str) -> list[tuple[str, str]]:
    """(slot, label) the question asks for; empty for 「什么/怎么/是否」 questions a sentence can
    answer without any particular kind of word. A more specific slot hides a broader one."""
    found = [(name, label) for name, label, q, _ in _SLOTS if q.search(question)]
    names = {n for n, _ in found}
    if "deadline" in names or "frequency" in names:
        found = [x for x in found if x[0] not in ("duration", "count")]
    if "contact" in names:                  # 「电话是多少」 asks for a number to call, not a count
        found = [x for x in found if x[0] != "count"]
    if "money" in names:
        found = [x for x in found if x[0] not in ("count", "sanction")]
    return found


# 「多少名县处级干部」: what is counted. A sentence's number counts it only if the sentence names it.
_COUNTED = re.compile(r"(?:几|多少)\s*个?\s*(?:名|个|家|项|人|位|所|批|条|次)([\u4e00-\u9fff]{2,8})")


def slot_filled(slot: str, question: str, sentences: list[str], about=lambda s: True, context=lambda s: s) -> bool:
    """Does one sentence hold a thing of the asked kind — in the question's unit, naming what the
    question counts (「多少名县处级干部」 is not answered by 「2000名市直机关干部」), about what
    the question is about (`about`: a date in a sentence on another subject answers nothing), and,
    for a body or a date, saying what is done then or by it (in the sentence's `context`: its article)?"""
    counted, action = _COUNTED.search(question), asked_action(slot, question)
    for text in sentences:
        if counted and slot in ("count", "money", "frequency") and not _names(counted.group(1), text):
            continue
        if not _sentence_fills(slot, question, text):
            continue
        if _assigns_liability(slot, question, text) or (about(text) and _does(action, slot, context(text))):
            return True
    return False


def _does(action: str, slot: str, text: str) -> bool:
    """The text says the asked thing is done: one of the action's character pairs is in it, or it is
    the document's own date and the question asks when it was issued."""
    if not action or any(p in text for p in _pairs(action)):
        return True
    return slot == "date" and bool(_ISSUING.search(action)) and bool(_OWN_DATE.search(text))


def asked_action(slot: str, question: str) -> str:
    """What the asked body does or what happens at the asked date, in the question's words ('' if
    nothing follows the ask: 「负责人是谁」)."""
    m = _ACTION[slot].search(question) if slot in _ACTION else None
    words = "".join(re.findall(r"[\u4e00-\u9fff]+", _PARTICLES.sub("", m.group(1)))) if m else ""
    return words if len(words) >= 2 else ""


def _assigns_liability(slot: str, question: str, text: str) -> bool:
    return slot == "body" and bool(_LIABILITY_Q.search(question)) and bool(_LIABILITY.search(text))


def slot_vague(slot: str, sentences: list[str]) -> bool:
    """The sentences answer the slot only loosely (「定期」 for 「多久一次」)."""
    return slot in _VAGUE and any(_VAGUE[slot].search(s) for s in sentences)


def _names(noun: str, text: str) -> bool:
    """Most of the noun's character pairs are in the text (the noun, allowing a changed word)."""
    pairs = _pairs(noun)
    return sum(p in text for p in pairs) * 2 >= len(pairs)


def _pairs(word: str) -> list[str]:
    return [word[i:i + 2] for i in range(len(word) - 1)]


def _sentence_fills(slot: str, question: str, text: str) -> bool:
    filler = next(f for name, _, _, f in _SLOTS if name == slot)
    text = re.sub(rf"第(?:{NUMERAL})[条章节款项]", "", text)   # 「第十条」 is no quantity
    if slot in ("duration", "count", "deadline", "frequency"):
        unit = _ASKED_UNIT.search(question)
        if unit:
            units = _SAME_UNIT.get(unit.group(1), unit.group(1))
            if slot == "duration" and re.search(r"永久|长期|终身", text):
                return True
            return bool(re.search(rf"{_NUM}\s*个?\s*(?:{units})", text))
    if slot == "date" and _CALENDAR_Q.search(question):
        return bool(re.search(_CALENDAR, text))
    return bool(filler(text))


def later_than_library(question: str, newest_year: int) -> int:
    """The year a question asks for documents issued in, when the library mentions no year that late
    (0 otherwise): no passage can be a rule issued then."""
    m = _ISSUED_IN.search(question)
    year = int(m.group(1)) if m else 0
    return year if newest_year and year > newest_year else 0
