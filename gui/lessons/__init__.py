"""A lesson's own extras: one module per lesson, named after the lesson's id."""
