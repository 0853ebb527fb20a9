# Hip Coach: the Telegram bot, long polling. The SQLite file lives on the /app/data volume;
# set DATABASE_URL to use PostgreSQL instead.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HIPCOACH_HOME=/app \
    DATABASE_URL=sqlite:////app/data/hipcoach.db

RUN useradd --create-home --uid 10001 coach
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
RUN pip install .
COPY content ./content
COPY migrations ./migrations

RUN mkdir -p /app/data && chown coach:coach /app/data
VOLUME ["/app/data"]
USER coach

# `run` upgrades the schema before it starts polling; `db upgrade` first makes a failed
# migration visible on its own line in the container log.
CMD ["sh", "-c", "hipcoach db upgrade && exec hipcoach run"]
