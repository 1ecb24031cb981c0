"""ui: part of sqlfix."""
