"""The REST API (``/api/v1/``) for provincial integration platforms and units' own systems.

People create personal access tokens on their account page; a token acts as its owner, through
the same access helpers and actions as the web pages, so it can do exactly what its owner can.
"""
