"""The editors' side of the site, under /editor: sign-in (auth.py), the article form
(articles.py, form_page.py, forms.py), the dashboard (dashboard.py), history and
the Deleted list (history.py), images (images.py), all on one blueprint (blueprint.py)."""

from ainews.editor import articles, auth, dashboard, history, images  # noqa: F401  (their routes join the blueprint)
from ainews.editor.blueprint import bp

__all__ = ["bp"]
