"""A chosen set of documents: the engine searches only them, and the CLI, the API and the page say so."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from qa.search import BadScope
from tests.server import ROOT

OPINION = "中共中央关于加强对“一把手”和领导班子监督的意见"
ECOLOGY = "坚持不懈抓好党内政治生态建设"
QUESTION = "纪委书记发现班子成员有重要问题，应该向谁报告？"


def test_a_scope_searches_only_its_documents_and_their_copies(real_qa):
    searchable = real_qa.retriever.searchable.copy()
    res = real_qa.ask(QUESTION, docs=[f"《{OPINION}》"])
    assert res.found and res.scope == [OPINION] and "上级纪委" in res.text
    assert {c.title for c in res.citations + res.passages} == {OPINION}
    assert {c.source[:3] for c in res.passages} <= {"000", "001"}       # both copies are the one document
    elsewhere = real_qa.ask(QUESTION, docs=[ECOLOGY])
    assert elsewhere.scope == [ECOLOGY] and not elsewhere.found and elsewhere.relation is None
    assert {c.title for c in elsewhere.citations + elsewhere.passages} == {ECOLOGY}
    # a reference is resolved inside the scope only
    assert "现有文档：《坚持不懈抓好党内政治生态建设》" in real_qa.ask("第十四条讲了什么", docs=[ECOLOGY]).text
    assert (real_qa.retriever.searchable == searchable).all()           # the whole library is untouched
    whole = real_qa.ask(QUESTION)
    assert whole.scope is None and "scope" not in whole.to_dict() and whole.found
    assert res.to_dict()["scope"] == [OPINION]


@pytest.mark.parametrize("docs, message", [(["合同法"], "没有名为《合同法》"), (["建设"], "对应多份文档"),
                                           ([], "检索范围是空的"), ("意见", "列表"), ([None], "列表")])
def test_a_scope_that_names_nothing_clearly_is_refused(real_qa, docs, message):
    with pytest.raises(BadScope, match=message):
        real_qa.ask(QUESTION, docs=docs)


def test_dense_candidates_come_from_the_scope_even_when_it_is_small(real_qa):
    view = real_qa.within([ECOLOGY])
    q = view.query_vector("抗击疫情")
    got = view.backend.knn(q, 5, sentences=False, allowed=view.allowed)
    assert len(got) == 5 and all(view.allowed[i] for i in got)
    assert view.backend.knn(q, 5, sentences=False, allowed=np.zeros_like(view.allowed)) == {}


def _qa(*args, env):
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=env)


def test_groups_and_docs_on_the_command_line(real_qa, real_index_dir, tmp_path):
    env = {**os.environ, "QA_USERS_FILE": str(tmp_path / "users.json")}
    saved = _qa("groups", "add", "纪检监察", OPINION, env=env)
    assert saved.returncode == 0 and "纪检监察" in saved.stdout, saved.stderr
    assert f"纪检监察\t《{OPINION}》" in _qa("groups", "list", env=env).stdout
    out = _qa("ask", QUESTION, "--group", "纪检监察", "--json", "--index", str(real_index_dir), env=env)
    assert out.returncode == 0 and json.loads(out.stdout)["scope"] == [OPINION], out.stderr
    out = _qa("ask", QUESTION, "--doc", ECOLOGY, "--index", str(real_index_dir), env=env)
    assert out.stdout.startswith(f"检索范围：《{ECOLOGY}》") and "文档中没有" in out.stdout
    missing = _qa("ask", QUESTION, "--group", "没有这个组", "--index", str(tmp_path / "no-index"), env=env)
    assert missing.returncode != 0 and "没有名为「没有这个组」的文档组" in missing.stderr
    assert not (tmp_path / "no-index").exists()
    assert _qa("groups", "remove", "纪检监察", env=env).returncode == 0
    assert "纪检监察" not in _qa("groups", "list", env=env).stdout
