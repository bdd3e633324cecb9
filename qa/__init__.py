"""Local question answering over Chinese policy and legal documents: cited answers or an honest refusal.

    from qa import QA
    answer = QA().ask("纪委书记发现班子成员有重要问题，应该向谁报告？")
    answer.text, answer.citations[0].location
"""
from .answer import Answer, Citation, Exchange, History, Intent, Quote, Verdict
from .engine import QA, check_question
from .errors import BadFile, BadQuestion, IndexCorrupt, ModelUnavailable, QAError

__all__ = ["QA", "Answer", "BadFile", "BadQuestion", "Citation", "Exchange", "History", "IndexCorrupt", "Intent",
           "ModelUnavailable", "QAError", "Quote", "Verdict", "check_question"]
