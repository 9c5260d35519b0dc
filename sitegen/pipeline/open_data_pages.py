"""The files of data/ and the /data/ page that documents them, as `plan_pages` plans them."""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.cards import articles_compared
from sitegen.pipeline.config import Settings
from sitegen.pipeline.exports import (
    DATA_FILE_NAMES,
    DATA_FOLDER,
    ArticleRowsIndex,
    DataFile,
    data_file_views,
    data_files,
)
from sitegen.pipeline.site import Page, PlanMemo, PlannedPage

DATA_TEMPLATE = "data.html"  # the page that documents the files of data/


def open_data_pages(memo: PlanMemo, archive, annotations: Annotations, events, settings: Settings, urls: Urls, defer: bool) -> list[Page]:
    """The files of data/ and the /data/ page that documents them, keyed by
    their rows: made again when an entity or a timeline event changed, or an
    article's rows did (an edit of a body that moves no mention does not)."""
    rows = memo.aggregates.setdefault("open data rows", ArticleRowsIndex(articles_compared(memo))).update(archive, annotations.articles, urls)
    get = memo.get_later if defer else memo.get
    return get(
        "open data",
        (rows, *archive.entities),  # the very list of rows while no article's rows changed (ArticleRowsIndex copies it first)
        (tuple(annotations.timeline), tuple(events)),
        lambda: _make_open_data_pages(archive, annotations, events, rows, settings, urls),
    )


def planned_open_data_pages(memo: PlanMemo, archive, annotations: Annotations, events, settings: Settings, urls: Urls) -> list[PlannedPage]:
    """The pages of `open_data_pages`, made when they are written, from their
    rows: an edit that changes no article's rows (a body edited where it names
    no entity) keeps them. Each file is made alone (see _DataFilesOneAtATime)."""
    rows = memo.aggregates.setdefault("open data rows", ArticleRowsIndex(articles_compared(memo))).update(archive, annotations.articles, urls)
    inputs = (tuple(rows), archive.entities, annotations.timeline, tuple(events))
    group = _DataFilesOneAtATime(lambda names: data_files(archive, rows, annotations.timeline, events, urls, names), settings, urls)
    places = [(DATA_FOLDER + name, "", False, functools.partial(group.file, name)) for name in DATA_FILE_NAMES]
    places.append((DATA_FOLDER, DATA_TEMPLATE, True, group.page))
    return [
        PlannedPage(path, template, "", make, indexable=indexable, inputs=inputs, reads_whole_archive=True)
        for path, template, indexable, make in places
    ]


class _DataFilesOneAtATime:
    """The files of data/ and the page that documents them, for a single build.

    Each file is made alone when it is written, and let go with its bytes: what
    the process that writes them holds at once is the largest file, not all
    five with the texts they are made from (which grow with the articles: 40
    MiB at 4,000). The page is made from what is kept of each file, its size
    and first row; a file the process did not make is made for it first."""

    def __init__(self, make: Callable[[tuple[str, ...]], list[DataFile]], settings: Settings, urls: Urls):
        self.make, self.settings, self.urls = make, settings, urls
        self.known: dict[str, tuple[DataFile, int]] = {}  # by name: the file without its bytes, and their length

    def file(self, name: str) -> Page:
        (made,) = self.make((name,))
        self.known[name] = (dataclasses.replace(made, data=b""), len(made.data))
        return _data_file_page(made)

    def page(self) -> Page:
        for name in DATA_FILE_NAMES:
            if name not in self.known:
                self.file(name)
        files, sizes = zip(*map(self.known.__getitem__, DATA_FILE_NAMES))
        return _data_page(list(files), sizes, self.settings, self.urls)


def _make_open_data_pages(archive, annotations: Annotations, events, rows, settings: Settings, urls: Urls) -> list[Page]:
    files = data_files(archive, rows, annotations.timeline, events, urls)
    return [*map(_data_file_page, files), _data_page(files, None, settings, urls)]


def _data_file_page(file: DataFile) -> Page:
    return Page(path=DATA_FOLDER + file.name, template="", title="", description="", section="", indexable=False, literal=file.data)


def _data_page(files: list[DataFile], sizes, settings: Settings, urls: Urls) -> Page:
    """The /data/ page: what each file holds (the files' bytes are `sizes` long; None: as long as their data)."""
    return Page(
        path=DATA_FOLDER,
        template=DATA_TEMPLATE,
        title="Open data",
        description=f"The annotations of {settings.site.title} as JSON, CSV and SQLite files, with what each column means.",
        section="data",
        data={
            "files": data_file_views(files, urls, sizes),
            "licence": settings.data.licence,
            "licence_url": settings.data.licence_url,
        },
    )
