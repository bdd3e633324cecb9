"""Finding passages for a question: outline references resolved against the library, then dense and BM25 fused."""
from .fusion import minmax, top, weighted_sum
from .library import AMBIGUOUS_MAX, Library, Resolution, Target
from .refs import Ref, asks_for_changes, find_ref
from . import scope
from .retrieve import Backend, Hit, LocalBackend, Retriever, Via, top_n
from .scope import BadScope
from .vocabulary import Thesaurus, Vocabulary, defined_terms

__all__ = ["AMBIGUOUS_MAX", "Backend", "BadScope", "Hit", "Library", "LocalBackend", "Ref", "Resolution", "Retriever", "Target",
           "Thesaurus", "Via", "Vocabulary", "asks_for_changes", "defined_terms", "find_ref", "minmax", "scope",
           "top", "top_n", "weighted_sum"]
