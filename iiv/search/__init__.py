"""Full-text search of the notes."""
