"""Docker healthcheck for the web container: GET /login/ must answer 200.

Sends the first DJANGO_ALLOWED_HOSTS entry as Host, so Django's host check accepts the probe, and, when the
site sits behind an HTTPS proxy (DJANGO_SECURE_PROXY_SSL_HEADER), that header with "https", so that
DJANGO_SECURE_SSL_REDIRECT does not answer the probe with a redirect.
"""

import http.client
import os
import sys

host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
if host == "*":
    host = "localhost"
try:
    conn = http.client.HTTPConnection("127.0.0.1", 8000, timeout=5)
    headers = {"Host": host}
    proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
    if proxy_ssl_header:
        headers[proxy_ssl_header] = "https"
    conn.request("GET", "/login/", headers=headers)
    status = conn.getresponse().status
except OSError as e:
    print(f"web unhealthy: {e}")
    sys.exit(1)
print(f"GET /login/ -> {status}")
sys.exit(0 if status == 200 else 1)
