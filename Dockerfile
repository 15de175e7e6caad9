# Production image: web (gunicorn), Celery worker and beat all run from it (docker/entrypoint.sh).
FROM python:3.11-slim-bookworm

# PYTHONPATH: import the project from /app, not the copy `pip install .` puts in site-packages, so that
# settings.BASE_DIR is /app and templates/, static/ and fixtures/ are found.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=zhongzhan_wages.settings \
    PYTHONPATH=/app \
    TZ=Asia/Shanghai

# WeasyPrint and Chinese PDFs: Pango, HarfBuzz subsetting (a CJK page takes ~30 s without it), Noto CJK fonts;
# fontconfig builds the system font cache at install time (otherwise every process rescans the fonts).
# FandolFang (仿宋, official letters): only the font files out of texlive-lang-chinese, no TeX (the script).
COPY scripts/install-system-deps.sh /tmp/install-system-deps.sh
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig \
    && bash /tmp/install-system-deps.sh --fandol-fonts \
    && rm -rf /var/lib/apt/lists/* /tmp/install-system-deps.sh

# Celery warns when run as root; nothing here needs root after the build.
RUN useradd --system --create-home --home-dir /home/app --uid 10001 app \
    && mkdir -p /srv/media /srv/static /srv/jobs /srv/documents \
    && chown app:app /srv/media /srv/static /srv/jobs /srv/documents

WORKDIR /app
COPY . .
RUN pip install . && rm -rf build ./*.egg-info

USER app
EXPOSE 8000
ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
CMD ["web"]
