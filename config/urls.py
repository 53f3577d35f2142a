from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from staff.views import admin_login_redirect

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The partner API is not under a language prefix: Accept-Language picks the messages' language.
    path("api/", include("api.urls")),
]
urlpatterns += i18n_patterns(
    path("", include("public.urls")),
    path("estadisticas/", include("stats.urls")),
    # The admin signs staff in through allauth (password, then second factor, lockout).
    path("admin/login/", admin_login_redirect),
    path("admin/", admin.site.urls),
    path("cuentas/", include("allauth.urls")),
    path("personal/", include("staff.urls")),
    path("personal/", include("imports.urls")),
    prefix_default_language=False,
)
