"""Reading documents: files in, cleaned and outlined documents and unique passages out (with exact offsets)."""
from . import ocr, userdocs
from .corpus import DEFAULT_CORPUS, PARSER_VERSION, Corpus, build_corpus, content_hash, load_corpus, outline, read_sources
from .documents import HEADINGS, Document, Kind, Passage
from .parsecache import ParseCache
from .relations import Relation, extract_relations
from .sources import SourceFile, read_source
from .versions import changed_articles, newest

__all__ = ["DEFAULT_CORPUS", "HEADINGS", "PARSER_VERSION", "Corpus", "Document", "Kind", "ParseCache", "Passage",
           "Relation", "SourceFile", "build_corpus", "changed_articles", "content_hash", "extract_relations", "load_corpus", "newest", "outline",
           "ocr", "read_source", "read_sources", "userdocs"]
