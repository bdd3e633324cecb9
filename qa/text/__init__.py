"""Shared text vocabulary: width folding and sentences, numerals and outline labels, bigrams, BM25 tokens."""
from .bigrams import bigrams, contained, dice, text_key
from .chars import clause_spans, display, ends_sentence, fold, has_cjk, is_cjk, sentence_spans
from .outline import BY_NAME, LEVELS, Level, Match, items, lead_in, match_line, paragraphs
from .numerals import ARTICLE_LABEL, NUMERAL, cn_to_int, int_to_cn
from .tokenize import STOPWORDS, bigram_tokens, is_bigram_token, load_segmenter, person_names, segment, tokenize

__all__ = ["ARTICLE_LABEL", "BY_NAME", "LEVELS", "Level", "Match", "items", "lead_in", "match_line", "paragraphs", "NUMERAL", "STOPWORDS", "bigram_tokens", "bigrams", "clause_spans", "cn_to_int",
           "contained", "dice", "display", "ends_sentence", "fold", "has_cjk", "int_to_cn", "is_bigram_token",
           "is_cjk", "load_segmenter", "person_names", "segment", "sentence_spans", "text_key", "tokenize"]
