"""WSGI entry point for gunicorn (``core.wsgi:app``). Trusts one proxy hop for scheme and host."""

from werkzeug.middleware.proxy_fix import ProxyFix

from core.app import create_app

app = create_app()
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
