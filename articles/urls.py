from django.urls import path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("artikelen/", views.article_list, name="list"),
    path("artikelen/feed/", feeds.ArticleFeed(), name="feed"),
    path("artikelen/grenzen-stellen/werkblad/", views.boundary_worksheet, name="worksheet"),
    path("artikelen/<slug:slug>/", views.article_detail, name="detail"),
    path("zoeken/", views.search, name="search"),
]
