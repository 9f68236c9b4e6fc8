import datetime

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles import content


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[content.Article]:
        return content.get_library().all_published()

    def lastmod(self, item: content.Article) -> datetime.date:
        return item.reviewed


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return [
            "home",
            "articles:list",
            "crisis_help",
            "safe_browsing",
            "privacy",
            "support:directory",
        ]

    def location(self, item: str) -> str:
        return reverse(item)
