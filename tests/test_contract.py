"""The package's shape: the public surface, the typed answer contract and its JSON, the composer table,
the index states, one numeral vocabulary for documents and questions, and imports pointing one way."""
import ast
import dataclasses
import importlib
import json
import pkgutil
import typing
from pathlib import Path

import pytest

from tests.conftest import CORPUS, HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
# A package may import only from packages below it (text at the bottom, ui at the top).
LAYERS = {"errors": 0, "durable": 0, "text": 1, "ingest": 2, "encoder": 2, "index": 3, "search": 4,
          "answer": 5, "engine": 6, "ui": 7}


def _modules():
    import qa
    return [m.name for m in pkgutil.walk_packages(qa.__path__, "qa.") if m.name != "qa.__main__"]


def test_public_surface_and_typed_dataclasses():
    import qa
    from qa import QA, Answer
    assert qa.QA is QA and qa.Answer is Answer
    assert set(qa.__all__) >= {"QA", "Answer", "Citation", "Quote", "Intent", "History"}
    checked = 0
    for name in _modules():
        mod = importlib.import_module(name)
        for obj in vars(mod).values():
            if dataclasses.is_dataclass(obj) and getattr(obj, "__module__", "") == name:
                typing.get_type_hints(obj)          # raises on a name the annotations cannot resolve
                checked += 1
    assert checked >= 15


def _relative_imports(path: Path):
    rel = path.relative_to(ROOT / "qa").with_suffix("")
    package = list(rel.parts[:-1]) if rel.parts[-1] != "__init__" else list(rel.parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level or not (node.module or "").startswith("qa"), f"{path}: absolute import of {node.module}"
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
                yield node.lineno, target


def test_imports_point_one_way():
    for path in (ROOT / "qa").rglob("*.py"):
        own = path.relative_to(ROOT / "qa").parts[0].removesuffix(".py")
        if own in ("__init__", "__main__"):
            continue
        for line, target in _relative_imports(path):
            other = target[0] if target else "__init__"
            if other != own:
                assert other in LAYERS and LAYERS[other] < LAYERS[own], f"{path}:{line} imports qa.{'.'.join(target)}"


def test_modules_stay_small():
    sizes = {str(p): len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "qa").rglob("*.py")}
    assert max(sizes.values()) <= 300, sorted(sizes.items(), key=lambda x: -x[1])[:3]


def test_question_numerals_are_the_documents_numerals():
    from qa.search import find_ref
    from qa.text import cn_to_int, int_to_cn, match_line
    for n in (7, 79, 1079, 1260, 2000, 1001):
        label = f"第{int_to_cn(n)}条"
        assert match_line(f"{label} 内容。").number == n
        assert find_ref(f"民法典{label}是怎么规定的").clause == n, label
    assert find_ref("第一千〇七十九条").clause == 1079 and cn_to_int("两千") == 2000
    assert find_ref("第１２条").clause == 12


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory):
    from qa import QA
    return QA(embedder=HashEmbedder(), corpus=[CORPUS], index_dir=tmp_path_factory.mktemp("contract") / "index")


def test_the_answer_survives_its_json(fake_qa):
    from qa import Answer, History, Intent
    for q in ("第十四条讲了什么", "纪委书记发现班子成员有重要问题，应该向谁报告？", "党费按什么比例缴纳？"):
        a = fake_qa.ask(q)
        d = a.to_dict()
        assert json.loads(json.dumps(d, ensure_ascii=False)) == d
        assert Answer.from_dict(d) == a and Answer.from_dict(d).to_dict() == d
        assert {"question", "answer", "found", "intent", "verdict", "citations", "passages"} <= set(d)
        assert d["intent"] in {i.value for i in Intent}
        for c in d["citations"]:
            assert c["text"][c["quotes"][0]["start"]:c["quotes"][0]["end"]] == c["quotes"][0]["text"]
        assert all("quotes" not in p for p in d["passages"])
    # a history reads answers, their dicts and chat messages alike
    first = fake_qa.ask("第十四条讲了什么")
    for history in ([first], [first.to_dict()], [{"role": "user", "content": "第十四条讲了什么"}]):
        assert History.from_dict(history).last().question == "第十四条讲了什么"
    assert History.from_dict([first]).last().label == "（十四）"
    assert History.from_dict(History.from_dict([first]).to_dict()) == History.from_dict([first])


def test_each_composer_answers_only_its_own_questions(fake_qa):
    from qa.answer import router
    from qa.answer.ask import Ask, resolve_turn
    from qa.answer.citations import Citations
    from qa.answer.types import History, Intent
    r = fake_qa.retriever

    def ask(q):
        turn = resolve_turn(q, History())
        resolution = r.library.resolve(turn.ref, q)
        return Ask(turn, r, r.query_vector(q), resolution, r.search(q, 10, resolution), 5)

    by_name = {c.__module__.rsplit(".", 1)[1]: c for c in router.COMPOSERS}
    lookup, unknown, relation = ask("第十四条讲了什么"), ask("第九十九条讲了什么"), ask("纪委书记发现问题应该向谁报告？")
    assert by_name["reference"](lookup, Citations()).intent == Intent.REFERENCE
    assert by_name["reference"](unknown, Citations()) is None
    missing = by_name["missing_unit"](unknown, Citations())
    assert not missing.found and "没有哪一份有第九十九条" in missing.text
    assert by_name["missing_unit"](relation, Citations()) is None
    assert by_name["relation"](relation, Citations()).relation.reporter == "纪委书记"
    assert by_name["changes"](lookup, Citations()) is None
    assert all(h.via == "reference" for h in lookup.hits[:1]) and lookup.hits[0].row >= 0


def test_index_states(tmp_path):
    from qa import index as qindex
    from qa.index import IndexState, saved_state
    emb = HashEmbedder()
    folder = tmp_path / "idx"
    want = {"format": qindex.store.FORMAT_VERSION, "model": emb.name}
    assert saved_state(folder, want)[0] is IndexState.MISSING
    qindex.open_index(emb, [CORPUS], folder)
    want = {k: qindex.read_manifest(folder)[k] for k in ("format", "parser", "model", "dim", "corpus_hash")}
    assert saved_state(folder, want)[0] is IndexState.CURRENT
    assert saved_state(folder, {**want, "corpus_hash": "other"})[0] is IndexState.STALE
    for broken in ("{broken", "[]", '"manifest"', '{"checksums": [1, 2]}'):     # not JSON, or the wrong shape
        (folder / "manifest.json").write_text(broken, encoding="utf-8")
        assert saved_state(folder, want)[0] is IndexState.CORRUPT, broken
