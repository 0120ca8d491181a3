import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """These tests compare messages with their English source text: run them in English, so they
    keep passing once the Vietnamese translations are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
