"""The HTTP edge: FastAPI routes, wire schemas, error mapping and middleware."""
