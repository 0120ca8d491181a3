"""The project's URLs plus one view that fails, to see the 500 page as a user would."""

from django.urls import path

from cleanprod.urls import *  # noqa: F403 - the error handlers too
from cleanprod.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("a programming error")


urlpatterns = [*project_urlpatterns, path("broken/", broken_view)]
