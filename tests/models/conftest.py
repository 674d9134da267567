import pytest


@pytest.fixture
def live_display(monkeypatch):
    """Make captured stdout behave like a terminal: the progress bar is redrawn live."""
    monkeypatch.setattr("chainrule.utils.progbar.is_dynamic_display", lambda stream: True)
