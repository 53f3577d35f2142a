# Registro's production image. The same image runs the web server (default command), the Celery
# worker and Celery beat; see docker-compose.yml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# msgfmt, for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# A home directory, because gunicorn keeps its control socket under $HOME.
RUN useradd --system --user-group --create-home --shell /usr/sbin/nologin registro

WORKDIR /app

# Dependencies before the code, so that code changes reuse this layer. pyproject.toml declares no
# packages: this installs only the dependencies (not the dev extras), and the code runs from /app.
COPY pyproject.toml requirements.lock README.md ./
RUN pip install -c requirements.lock . \
    && rm -rf build registro.egg-info

# The code stays owned by root: the app user can read it but not change it.
COPY . .

# Production settings refuse to load without secrets: random stand-ins, made and exported in this
# step only, so that the image never carries them (nothing here reads or writes data). Settings
# also need DATABASE_URL to be set; no connection is made.
RUN export DATABASE_URL=postgresql://build@localhost/build \
        SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        NATIONAL_ID_HASH_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        FIELD_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    && python manage.py compilemessages \
    && python manage.py collectstatic --no-input

# Uploaded import files: written by the web server, read by the Celery worker, so on a volume
# both mount (docker-compose.yml). Never served over HTTP.
ENV MEDIA_ROOT=/var/lib/registro/media
RUN mkdir -p /var/lib/registro/media && chown registro:registro /var/lib/registro/media

USER registro
EXPOSE 8000

# Gunicorn reads WEB_CONCURRENCY as its worker count (about 2 per CPU core); .env can override it.
ENV WEB_CONCURRENCY=3

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Heartbeat files in /dev/shm: the overlay filesystem under /tmp can stall workers. A timeout longer
# than the 30 s default, because full exports stream for longer than that.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "120"]
