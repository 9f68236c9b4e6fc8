from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from articles import content
from articles import search as site_search

AUDIENCE_PARAM = "voor"
TOPIC_PARAM = "onderwerp"


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    library = content.get_library()
    audience = request.GET.get(AUDIENCE_PARAM)
    topic = request.GET.get(TOPIC_PARAM)
    # Unknown filter values are ignored rather than answered with an error.
    audience = audience if audience in content.AUDIENCES else None
    topic = topic if topic in content.TOPICS else None
    return render(
        request,
        "articles/article_list.html",
        {
            "articles": library.published(audience=audience, topic=topic),
            "audiences": content.AUDIENCES.values(),
            "topics": library.topics_in_use(),
            "current_audience": content.AUDIENCES.get(audience) if audience else None,
            "current_topic": topic,
            "current_topic_label": content.TOPICS.get(topic) if topic else None,
        },
    )


@require_GET
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
def boundary_worksheet(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/boundary_worksheet.html", {"rows": range(4)})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[: site_search.MAX_QUERY_LENGTH]
    results = site_search.search(query) if query else []
    library = content.get_library()
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "results": results,
            "topics": library.topics_in_use(),
        },
    )
