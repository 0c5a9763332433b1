from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

api_v1 = [
    path("", include("booking.api_urls")),
    path("", include("policy.api_urls")),
    path("", include("surveys.api_urls")),
    path("", include("inspection.api_urls")),
    path("", include("detection.api_urls")),
    path("", include("viewer.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and ReDoc from drf-spectacular-sidecar's files; the split view serves its start-up script from
    # this host too (?script), so the page needs no inline script and nothing from a CDN.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
         name="redoc"),
    path("api/v1/", include(api_v1)),
    path("", include("notify.urls")),
    path("", include("policy.urls")),
    path("", include("surveys.urls")),
    path("", include("inspection.urls")),
    path("", include("booking.urls")),
    path("", include("viewer.urls")),
]
