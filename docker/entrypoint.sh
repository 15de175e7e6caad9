#!/bin/sh
# One image, three roles: `web` (migrate, collectstatic, units once, gunicorn), `worker`, `beat`.
# Anything else is run as given, e.g. `docker-compose run --rm web python manage.py createsuperuser`.
set -eu
cd "$(dirname "$0")/.."  # /app in the image

case "${1:-web}" in
  web)
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput -v 0
    # Units come from fixtures/units.json once; later edits in the admin are never overwritten.
    python manage.py shell -c "
from django.core.management import call_command
from common.models import Unit
if not Unit.objects.exists():
    call_command('loaddata', 'units')
from deposits.models import Institution
if not Institution.objects.exists():
    call_command('loaddata', 'institutions')  # 附件3 (D3)
"
    exec gunicorn zhongzhan_wages.wsgi \
      --bind "${GUNICORN_BIND:-0.0.0.0:8000}" \
      --workers "${GUNICORN_WORKERS:-3}" \
      --timeout "${GUNICORN_TIMEOUT:-120}" \
      --access-logfile - \
      --error-logfile -
    ;;
  worker)
    exec celery -A zhongzhan_wages worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}"
    ;;
  beat)
    # Exactly one beat process in the whole deployment; the schedule lives in the database (django_celery_beat).
    exec celery -A zhongzhan_wages beat --loglevel "${LOG_LEVEL:-INFO}"
    ;;
  *)
    exec "$@"
    ;;
esac
