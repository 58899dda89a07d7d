"""Server-rendered pages: one router per module."""
