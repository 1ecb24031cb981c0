"""eval: part of sqlfix."""
