"""The reader's side of the site: pages (pages.py), feeds (feeds.py), rendering, error pages."""
