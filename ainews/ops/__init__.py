"""Running the site: CLI commands, backups, import/export, the demo data, the health check."""
