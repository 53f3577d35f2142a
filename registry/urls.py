from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from registry import views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The partner API is not under a language prefix: Accept-Language picks the messages' language.
    path("api/", include("api.urls")),
]
urlpatterns += i18n_patterns(
    path("", include("registry.public_urls")),
    path("centros/", include("facilities.urls")),
    path("estadisticas/", include("stats.urls")),
    # The admin signs staff in through allauth (password, then second factor, lockout).
    path("admin/login/", views.admin_login_redirect),
    path("admin/", admin.site.urls),
    path("cuentas/", include("allauth.urls")),
    path("personal/", include("registry.staff_urls")),
    prefix_default_language=False,
)
