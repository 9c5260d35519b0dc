"""What a running builder keeps from one build to the next is what it would make afresh.

The shortcuts of an edit told its changed path (the last load's articles
with the edited one in its place, the sources' digest made again for one run
of sources, the plan memo's blocks kept where they are) each give what the
long way gives: checked here on their own, and through builds against a
clean build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sitegen.engine.builder import Builder, BuildOptions
from sitegen.engine.cache import DIGEST_RUN, SourceCache
from sitegen.model.errors import Problems
from sitegen.pipeline.site import PlanMemo
from test_incremental import assert_same_trees, clean_build_of, output_tree, seed


def sources_with(tmp_path: Path, count: int) -> tuple[SourceCache, list]:
    """A parse cache that parsed `count` files, and its jobs."""
    cache = SourceCache()
    jobs = []
    for number in range(count):
        path = tmp_path / f"{number:04}.md"
        path.write_text(f"text {number}")
        jobs.append((f"article:{path.name}", path, lambda problems, path=path: path.read_text()))
    cache.parse_all(jobs, Problems())
    return cache, jobs


def test_the_sources_digest_after_an_edit_is_the_digest_made_afresh(tmp_path):
    cache, jobs = sources_with(tmp_path, DIGEST_RUN * 2 + 3)
    cache.digest()
    jobs[DIGEST_RUN + 1][1].write_text("edited")
    cache.changed = {str(jobs[DIGEST_RUN + 1][1])}
    cache.parse_all(jobs, Problems())
    afresh = SourceCache(entries=dict(cache.entries))
    assert cache.digest() == afresh.digest()


def test_the_sources_digest_changes_with_any_file(tmp_path):
    cache, jobs = sources_with(tmp_path, DIGEST_RUN + 1)
    before = cache.digest()
    jobs[-1][1].write_text("edited")
    cache.parse_all(jobs, Problems())
    assert cache.digest() != before


def test_the_sources_digest_is_of_every_name_and_file(tmp_path):
    cache, _ = sources_with(tmp_path, 3)
    run = b"".join(key.encode() + b"\0" + cache.entries[key][0] for key in sorted(cache.entries))
    runs = hashlib.blake2b(run, digest_size=16).digest()
    assert cache.digest() == hashlib.blake2b(runs, digest_size=16).digest()


def planned(memo: PlanMemo, names: list[str], carried: list[str] | None = None) -> dict:
    """One build of `memo` recording `names` (and carrying the block `carried`): what the next build finds."""
    memo.begin("settings", "urls")
    if carried is not None:
        memo.carry(carried, known=True)
    for name in names:
        memo.get(name, (), (name,), lambda name=name: name)
    memo.end()
    return memo.previous


def test_a_plan_memo_keeps_a_carried_block_and_what_was_planned_beside_it():
    memo = PlanMemo()
    planned(memo, ["article:a", "article:b", "home"])
    block = ["article:a", "article:b"]
    assert sorted(planned(memo, ["home"], block)) == ["article:a", "article:b", "home"]
    assert sorted(planned(memo, ["home", "tag:x"], block)) == ["article:a", "article:b", "home", "tag:x"]


def test_a_plan_memo_forgets_what_a_build_neither_planned_nor_carried():
    memo = PlanMemo()
    planned(memo, ["article:a", "article:b", "home", "tag:x"])
    planned(memo, ["home", "tag:x"], ["article:a", "article:b"])
    assert sorted(planned(memo, ["home"], ["article:a"])) == ["article:a", "home"]
    assert sorted(planned(memo, ["home"])) == ["home"]


def test_an_edit_that_makes_an_article_a_draft_removes_its_page_as_a_clean_build_does(archive, tmp_path):
    seed(archive)
    path = archive.article("aside", title="Aside", date="2015-03-01", body="Fighting near Mosul.")
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.article("aside", title="Aside", date="2015-03-01", body="Fighting near Mosul.", draft="true")
    builder.build(incremental=True, changed=[path])
    assert not (archive.out / "articles/aside").exists()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))
    archive.article("aside", title="Aside", date="2015-03-01", body="Fighting near Mosul.")
    builder.build(incremental=True, changed=[path])
    assert (archive.out / "articles/aside/index.html").is_file()
    clean_build_of(archive.root, tmp_path / "clean again")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean again"))
