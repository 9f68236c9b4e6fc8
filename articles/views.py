from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from articles import content
from articles import search as site_search
from articles.frontmatter import AUDIENCES, TOPICS
from portal.pagecache import DIRECTORY, reading_page

AUDIENCE_PARAM = "voor"
TOPIC_PARAM = "onderwerp"
PAGE_PARAM = "pagina"
# All guidance fits on one page, so every article is two clicks from its situation on home.
ARTICLES_PER_PAGE = 40
RESULTS_PER_PAGE = 10
# Shown in a situation's card on home after its first articles, wherever their order puts them:
# a man who was betrayed finds at once that there is help for him too.
ALSO_IN_CARD = {"bedrogen-partner": ("bedrogen-als-man-of-zelfde-geslacht",)}


@require_GET
@reading_page(params=(AUDIENCE_PARAM, TOPIC_PARAM, PAGE_PARAM))
def article_list(request: HttpRequest) -> HttpResponse:
    library = content.get_library()
    audience = request.GET.get(AUDIENCE_PARAM)
    topic = request.GET.get(TOPIC_PARAM)
    # Unknown filter values are ignored rather than answered with an error.
    audience = audience if audience in AUDIENCES else None
    topic = topic if topic in TOPICS else None
    articles = library.published(audience=audience, topic=topic)
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get(PAGE_PARAM))
    return render(
        request,
        "articles/article_list.html",
        {
            "articles": page.object_list,
            "page": page,
            "count": len(articles),
            "query_prefix": urlencode(
                {k: v for k, v in ((AUDIENCE_PARAM, audience), (TOPIC_PARAM, topic)) if v}
            ),
            "audiences": AUDIENCES.values(),
            "topics": library.topics_in_use(),
            "current_audience": AUDIENCES.get(audience) if audience else None,
            "current_topic": topic,
            "current_topic_label": TOPICS.get(topic) if topic else None,
        },
    )


@require_GET
@reading_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    library = content.get_library()
    article = library.get(slug)
    if article is None:
        raise Http404
    return render(
        request,
        "articles/article_detail.html",
        {"article": article, "related": library.related(article)},
    )


@require_GET
@reading_page
def boundary_worksheet(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/boundary_worksheet.html", {"rows": range(4)})


@require_GET
@reading_page(domains=(DIRECTORY,), params=("q", PAGE_PARAM))
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[: site_search.MAX_QUERY_LENGTH]
    results = site_search.search(query) if query else []
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get(PAGE_PARAM))
    library = content.get_library()
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "results": page.object_list,
            "count": len(results),
            "page": page,
            "query_prefix": urlencode({"q": query}),
            "topics": library.topics_in_use(),
        },
    )


@require_GET
@reading_page
def home(request: HttpRequest) -> HttpResponse:
    library = content.get_library()
    situations = []
    for audience in AUDIENCES.values():
        first = library.published(audience=audience.slug)[:3]
        also = [library.get(slug) for slug in ALSO_IN_CARD.get(audience.slug, ())]
        situations.append(
            {
                "audience": audience,
                "articles": first,
                "also": [a for a in also if a is not None and a not in first],
            }
        )
    return render(request, "pages/home.html", {"situations": situations})
