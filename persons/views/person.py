"""The person page: header, sections loaded and saved in place, roles, create and delete."""

from django.urls import path

urlpatterns: list = []
