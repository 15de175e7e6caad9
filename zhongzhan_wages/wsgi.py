import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
application = get_wsgi_application()
