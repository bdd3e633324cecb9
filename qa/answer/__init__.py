"""Composing answers from retrieved passages: a router, one composer per intent, and the answerability judge."""
from .judge import Evidence, Judgement
from .router import COMPOSERS, answer
from .types import RELATED_HEADING, Answer, Citation, Exchange, History, Intent, Quote, Verdict

__all__ = ["COMPOSERS", "RELATED_HEADING", "Answer", "Citation", "Evidence", "Exchange", "History", "Intent", "Judgement", "Quote",
           "Verdict", "answer"]
