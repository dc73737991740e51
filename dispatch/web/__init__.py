"""Server-rendered pages and the health check."""
