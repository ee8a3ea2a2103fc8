"""The web edge: FastAPI app factory, JSON API under /api/v1, server-rendered pages, sign-in."""
