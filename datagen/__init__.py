"""datagen: part of sqlfix."""
