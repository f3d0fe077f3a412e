"""Use cases, Qt-free. The UI and the CLI call these and nothing below them."""
