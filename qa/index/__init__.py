"""The search index: built from a corpus, saved as plain checksummed files, opened or updated for a corpus and a model."""
from .builder import build, index_text, unit_text
from .saver import Saver
from .state import IndexState, open_index, saved_state, update_index
from .store import ANN_FROM, DEFAULT_INDEX_DIR, FILES, Index, load, read_manifest, save, vector_index

__all__ = ["ANN_FROM", "DEFAULT_INDEX_DIR", "FILES", "Index", "IndexState", "Saver", "build", "index_text", "load",
           "open_index", "read_manifest", "save", "saved_state", "unit_text", "update_index", "vector_index"]
