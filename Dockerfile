# The Incident Record API: `incident-record serve` migrates the database, seeds it from
# seed/ when empty, then serves on port 8000. Data lives in the /data volume (SQLite by
# default; set DATABASE_URL=postgresql+psycopg://... to use PostgreSQL instead).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app /data \
    && chown app:app /app /data

WORKDIR /app

# Editable on purpose: migrations/ and seed/ sit beside app/ and are found relative to it.
# The dependencies at the versions locked in constraints.txt (`bash .ci/lock`).
COPY --chown=app:app pyproject.toml README.md constraints.txt ./
COPY --chown=app:app app ./app
COPY --chown=app:app migrations ./migrations
COPY --chown=app:app seed ./seed
RUN pip install --no-cache-dir -c constraints.txt -e .

USER app

ENV DATABASE_URL=sqlite:////data/incident-record.db
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["incident-record", "serve", "--host", "0.0.0.0", "--port", "8000"]
