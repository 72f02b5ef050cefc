"""The network's web application: Starlette pages over the same application layer as the command line.

``capactif serve`` runs it with uvicorn; :func:`web.app.create_app` builds it (tests, other servers).
Pages live in :mod:`web.views` (one module per area), templates in ``web/templates``, static files
(CSS, scripts) in ``web/static``: all inside the wheel, nothing loaded from elsewhere.
See docs/web.md.
"""
