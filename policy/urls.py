"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("policy/", views.policy_document, name="policy-document"),
    path("policy/document.pdf", views.policy_document_pdf, name="policy-document-pdf"),
]
