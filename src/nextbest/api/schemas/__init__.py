"""Pydantic shapes of what goes over the wire, and their conversion to and from the domain."""
