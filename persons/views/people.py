"""The people list: search, filters, sort, keyset paging and bulk actions."""

from django.urls import path

urlpatterns: list = []
