# One image for web (gunicorn), worker and beat (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    BANGBAN_VAR_DIR=/app/var

WORKDIR /app

# The CJK TrueType font the printable guides (posters, leaflets) embed.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (cached while only the code changes).
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# collectstatic needs settings but no real secret or database (a throwaway random key: production settings
# refuse placeholders and short keys).
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app bangban \
    && mkdir -p /app/var/media \
    && chown -R bangban /app/var

USER bangban
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
