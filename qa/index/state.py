"""Opening the index for a corpus and a model: the saved one when it is current, else rebuilt (reusing what
it computed) and saved; and the index after documents change, made from the one in memory."""
from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path

from ..encoder import Embedder
from ..errors import IndexCorrupt
from ..ingest import PARSER_VERSION, ParseCache, build_corpus, content_hash, read_sources
from .builder import EMBEDDED_TEXT, Reuse, build, reusable
from .store import DEFAULT_INDEX_DIR, FORMAT_VERSION, Index, _collector_paused, load, read_manifest, recover, save

log = logging.getLogger(__name__)


class IndexState(Enum):
    """What is saved in an index folder, measured against the corpus and the model in use."""
    CURRENT = "current"      # built from these files with this model and parser: load it
    MISSING = "missing"      # nothing saved yet
    STALE = "stale"          # files, model, parser or format changed: rebuild, reusing its vectors
    CORRUPT = "corrupt"      # unreadable or failing its checksums: rebuild from nothing


def _wanted(embedder: Embedder, sources) -> dict:
    return {"format": FORMAT_VERSION, "parser": PARSER_VERSION, "embedded_text": EMBEDDED_TEXT, "model": embedder.name,
            "dim": embedder.dim, "corpus_hash": content_hash(sources)}



def saved_state(folder: Path, want: dict) -> tuple[IndexState, str]:
    """The state of the index saved in `folder`, and why, in words for the log."""
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError:
        return IndexState.MISSING, "尚未建立索引"
    except IndexCorrupt as e:
        return IndexState.CORRUPT, f"索引已损坏：{e}"
    stale = [k for k, v in want.items() if manifest.get(k) != v]
    if stale:
        return IndexState.STALE, "语料或模型已变化（" + "、".join(stale) + "）"
    return IndexState.CURRENT, ""


def open_index(embedder: Embedder, corpus_paths=None, folder: str | Path | None = None,
               progress: bool = False, on_progress=None, parsed: ParseCache | None = None) -> Index:
    """The index for these corpus files and this model: loaded when the saved one is current,
    otherwise (missing, stale, corrupt) rebuilt and saved."""
    folder = Path(folder) if folder else DEFAULT_INDEX_DIR
    recover(folder)
    sources, errors = read_sources(corpus_paths, parsed)
    state, reason = saved_state(folder, _wanted(embedder, sources))
    if state is IndexState.CURRENT:
        try:
            return load(folder, errors)
        except IndexCorrupt as e:
            state, reason = IndexState.CORRUPT, f"索引已损坏：{e}"
    # a corrupt index is worth a warning whoever listens; the rest is progress
    log.log(logging.WARNING if state is IndexState.CORRUPT else logging.INFO, "%s，重新建立索引。", reason)
    reuse = reusable(folder, embedder) if state is IndexState.STALE else None
    with _collector_paused():
        index = build(build_corpus(sources, errors, parsed), embedder, progress=progress, reuse=reuse,
                      on_progress=on_progress)
    try:
        save(index, folder)
    except OSError as e:       # a read-only disk still gets a working, unsaved index
        log.warning("警告：索引无法保存到 %s：%s", folder, e)
    return index


def update_index(current: Index, embedder: Embedder, corpus_paths=None, progress: bool = False,
                 on_progress=None, parsed: ParseCache | None = None) -> Index:
    """The index after files were added, changed or removed, made from the one in memory: files
    whose bytes did not change are not parsed again (with `parsed`), passages whose text did not
    change are neither embedded nor tokenised again. Returns `current` itself when nothing changed.
    Not saved, and searched exactly even above ANN_FROM: `qa.index.saver` adds the graphs, then saves."""
    sources, errors = read_sources(corpus_paths, parsed)
    want = _wanted(embedder, sources)
    if all(current.manifest.get(k) == v for k, v in want.items()):
        current.errors = list(errors)        # an unreadable file added or removed changes only the warnings
        return current
    with _collector_paused():
        return build(build_corpus(sources, errors, parsed), embedder, progress=progress,
                     reuse=Reuse.of_index(current, embedder), on_progress=on_progress, graphs_later=True)
