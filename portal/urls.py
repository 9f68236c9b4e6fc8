from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles import views as articles_views
from articles.sitemaps import ArticleSitemap, PageSitemap
from portal import views

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

sitemaps = {"articles": ArticleSitemap, "pages": PageSitemap}

# The admin's login is allauth's, with its rate limits and second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's way
admin.site.site_header = admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("exit/", views.quick_exit, name="exit"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("beheer/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", articles_views.home, name="home"),
    path("hulp-nu/", views.crisis_help, name="crisis_help"),
    path("veilig-surfen/", views.safe_browsing, name="safe_browsing"),
    path("if-you-just-found-out/", views.english_start, name="english_start"),
    path("privacy/", views.privacy, name="privacy"),
    path("", include("articles.urls")),
    path("", include("support.urls")),
    path("account/", include("allauth.urls")),
    path("praktijk/", include("practice.urls")),
    prefix_default_language=False,
)
