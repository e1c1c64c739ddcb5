# One image for every ORCA process: web (gunicorn), worker and beat (Celery); docker-compose.yml
# picks the process by its command. Settings come from the environment (see .env.example).
# The front-end libraries of package-lock.json, installed in a Node stage; only node_modules is kept.
FROM node:20-slim AS static-libraries
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=static-libraries /app/node_modules ./node_modules

# Static files are collected into the image (whitenoise serves them from gunicorn). DEBUG is off
# as in production, which needs a key; this build-time one signs nothing.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

# The processes run as an unprivileged user that cannot change the code.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin orca
# Attached files (ATTACHMENTS_STORAGE=local) go outside the code, in a folder that user owns, so a
# volume mounted there (docker compose's `media`) starts out writable by it.
ENV MEDIA_ROOT=/data/media
RUN mkdir -p /data/media && chown orca /data/media
USER orca

EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn orca.wsgi --bind 0.0.0.0:${PORT} --access-logfile - --timeout 30"]
