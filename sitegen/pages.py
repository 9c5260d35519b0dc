"""Which pages exist, where they live, and the data each one is rendered from.

`plan_pages` is a pure function of the archive, the rendered fragments and
the settings. It decides every output path before anything is rendered, so
collisions are found before a single file is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping

from sitegen.annotate import RenderedArticle
from sitegen.config import Settings
from sitegen.dates import MONTHS
from sitegen.errors import Problems
from sitegen.models import Archive, Article
from sitegen.slugs import slugify
from sitegen.urls import Urls

HOME_LATEST = 20


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteView:
    """What every template knows about the site."""

    title: str
    description: str
    language: str
    author: str
    home_url: str
    archive_url: str
    tags_url: str
    stylesheet_url: str
    script_url: str
    nav: tuple[NavItem, ...]


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """An article as listings show it."""

    slug: str
    title: str
    url: str
    date_iso: str
    date_display: str
    source: str
    summary: str


@dataclass(frozen=True, slots=True)
class ArticleView:
    card: ArticleCard
    source_url: str
    authors: tuple[str, ...]
    tags: tuple[Link, ...]
    updated_iso: str
    updated_display: str
    body_html: str
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MonthGroup:
    anchor: str
    name: str
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class YearGroup:
    year: int
    url: str
    count: int
    months: tuple[MonthGroup, ...]


@dataclass(frozen=True, slots=True)
class TagView:
    name: str
    slug: str
    url: str
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: where it goes, which template, and the data it gets."""

    path: str  # site-relative page path: "", "articles/x/", "404.html"
    template: str
    title: str
    description: str
    section: str  # nav key of the section the page belongs to
    data: Mapping[str, Any] = field(default_factory=dict)
    source_paths: tuple[str, ...] = ()  # sources whose content the page shows
    indexable: bool = True  # False for pages search engines should not list (404)


def article_card(article: Article, urls: Urls) -> ArticleCard:
    return ArticleCard(
        slug=article.slug,
        title=article.title,
        url=urls.url(urls.article_path(article.slug)),
        date_iso=article.date.iso,
        date_display=article.date.display,
        source=article.source,
        summary=article.summary,
    )


def site_view(settings: Settings, urls: Urls) -> SiteView:
    return SiteView(
        title=settings.site.title,
        description=settings.site.description,
        language=settings.site.language,
        author=settings.site.author,
        home_url=urls.url(""),
        archive_url=urls.url(urls.archive_path()),
        tags_url=urls.url(urls.tags_path()),
        stylesheet_url=urls.asset("sitegen.css"),
        script_url=urls.asset("sitegen.js"),
        nav=(
            NavItem("home", "Home", urls.url("")),
            NavItem("archive", "Archive", urls.url(urls.archive_path())),
            NavItem("tags", "Tags", urls.url(urls.tags_path())),
        ),
    )


def group_tags(articles: tuple[Article, ...], problems: Problems) -> dict[str, tuple[str, list[Article]]]:
    """Tags by slug: the display name is the alphabetically first spelling used."""
    names: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tags:
            slug = slugify(tag)
            if not slug:
                problems.warning(article.pos.path, article.pos.line, f"tag {tag!r} has no letters or digits to make a URL from; it is left out")
                continue
            names[slug].add(tag)
            members[slug].append(article)
    return {slug: (min(names[slug]), members[slug]) for slug in sorted(members)}


def _year_groups(articles: tuple[Article, ...], cards: dict[str, ArticleCard], urls: Urls) -> list[YearGroup]:
    by_year: dict[int, dict[int, list[ArticleCard]]] = defaultdict(lambda: defaultdict(list))
    for article in articles:  # already newest first
        by_year[article.date.day.year][article.date.day.month].append(cards[article.slug])
    groups = []
    for year in sorted(by_year, reverse=True):
        months = tuple(
            MonthGroup(anchor=f"{year}-{month:02d}", name=f"{MONTHS[month - 1]} {year}", articles=tuple(by_year[year][month]))
            for month in sorted(by_year[year], reverse=True)
        )
        groups.append(
            YearGroup(
                year=year,
                url=urls.url(urls.archive_path(year)),
                count=sum(len(m.articles) for m in months),
                months=months,
            )
        )
    return groups


def plan_pages(
    archive: Archive,
    rendered: Mapping[str, RenderedArticle],
    settings: Settings,
    problems: Problems,
) -> list[Page]:
    urls = Urls(settings.site.base_url, settings.base_path)
    cards = {a.slug: article_card(a, urls) for a in archive.articles}
    tags = group_tags(archive.articles, problems)
    tag_links = {slug: Link(name, urls.url(urls.tags_path(slug))) for slug, (name, _) in tags.items()}
    pages: list[Page] = []

    years = _year_groups(archive.articles, cards, urls)
    pages.append(
        Page(
            path="",
            template="home.html",
            title=settings.site.title,
            description=settings.site.description,
            section="home",
            data={
                "latest": tuple(cards[a.slug] for a in archive.articles[:HOME_LATEST]),
                "counts": {
                    "articles": len(archive.articles),
                    "entities": len(archive.entities),
                    "terms": len(archive.terms),
                    "events": len(archive.events),
                    "tags": len(tags),
                },
                "years": tuple(years),
            },
        )
    )
    for article in archive.articles:
        view = ArticleView(
            card=cards[article.slug],
            source_url=article.url,
            authors=article.authors,
            tags=tuple(tag_links[s] for s in dict.fromkeys(slugify(t) for t in article.tags) if s in tag_links),
            updated_iso=article.updated.iso if article.updated else "",
            updated_display=article.updated.display if article.updated else "",
            body_html=rendered[article.slug].body_html,
            extra=article.extra,
        )
        pages.append(
            Page(
                path=urls.article_path(article.slug),
                template="article.html",
                title=article.title,
                description=article.summary or settings.site.description,
                section="archive",
                data={"article": view},
                source_paths=(article.pos.path,),
            )
        )
    pages.append(
        Page(
            path=urls.archive_path(),
            template="archive.html",
            title="Archive",
            description=f"All {len(archive.articles)} articles of {settings.site.title}, by year and month.",
            section="archive",
            data={"years": tuple(years)},
        )
    )
    for group in years:
        pages.append(
            Page(
                path=urls.archive_path(group.year),
                template="archive_year.html",
                title=f"Archive {group.year}",
                description=f"Articles of {group.year} in {settings.site.title}.",
                section="archive",
                data={"year": group, "years": tuple(years)},
            )
        )
    tag_views = [
        TagView(name=name, slug=slug, url=tag_links[slug].url, articles=tuple(cards[a.slug] for a in members))
        for slug, (name, members) in tags.items()
    ]
    pages.append(
        Page(
            path=urls.tags_path(),
            template="tags.html",
            title="Tags",
            description=f"Tags of {settings.site.title}.",
            section="tags",
            data={"tags": tuple(sorted(tag_views, key=lambda t: (t.name.casefold(), t.slug)))},
        )
    )
    for tag in tag_views:
        pages.append(
            Page(
                path=urls.tags_path(tag.slug),
                template="tag.html",
                title=f"Tag: {tag.name}",
                description=f"Articles tagged {tag.name}.",
                section="tags",
                data={"tag": tag},
            )
        )
    pages.append(
        Page(
            path="404.html",
            template="404.html",
            title="Page not found",
            description="This page does not exist.",
            section="",
            indexable=False,
        )
    )
    return pages
