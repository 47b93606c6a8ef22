# The production image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DATA_DIR=/app/data \
    CHROMIUM_PATH=/usr/bin/chromium

# Debian's Chromium prints report PDFs (the report-worker service); one layer, no recommends
# and no apt lists kept, so the image grows by Chromium and its libraries only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first, so code changes reuse this layer.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN uv sync --frozen --no-dev \
    && python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --no-create-home --home-dir /app app \
    && mkdir -p /app/data \
    && chown app /app/data
USER app

EXPOSE 8000
# --keep-alive above the idle timeout of a proxy in front (nginx 75 s, AWS ALB 60 s): the proxy,
# not gunicorn, closes an idle connection, so no request is sent into one gunicorn just closed.
# The access log goes to stdout with the container's other output.
CMD ["gunicorn", "dashboard.wsgi", "--worker-class", "gthread", "--threads", "4", "--workers", "2", "--timeout", "120", "--keep-alive", "75", "--access-logfile", "-", "--bind", "0.0.0.0:8000"]
