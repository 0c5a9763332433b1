"""The site viewer for planners and committees, and read-only share links."""
