import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles import content


class ArticleFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("articles:list")
    subtitle = _("Nieuwe en herziene artikelen")

    def title(self) -> str:
        return f"{settings.SITE_NAME}: {_('artikelen')}"

    def items(self) -> list[content.Article]:
        return content.get_library().all_published()

    def item_title(self, item: content.Article) -> str:
        return item.title

    def item_description(self, item: content.Article) -> str:
        return item.summary

    def item_updateddate(self, item: content.Article) -> datetime.datetime:
        return datetime.datetime.combine(item.reviewed, datetime.time(), tzinfo=datetime.UTC)

    def item_pubdate(self, item: content.Article) -> datetime.datetime:
        return self.item_updateddate(item)
