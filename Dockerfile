# Hip Coach. The image holds the installed wheel only (content/ and migrations/ travel inside
# it), so it runs from any directory and needs no HIPCOACH_HOME. The default command long-polls
# with SQLite on the /app/data volume; compose.yaml runs webhook mode and a reminder worker on
# PostgreSQL instead.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md alembic.ini ./
COPY bot ./bot
COPY content ./content
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/hipcoach.db

RUN useradd --create-home --uid 10001 coach
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels

WORKDIR /app
RUN mkdir -p /app/data && chown coach:coach /app/data
VOLUME ["/app/data"]
USER coach
# Webhook mode listens here (WEBHOOK_LISTEN); long polling opens no port.
EXPOSE 8080

# `run` upgrades the schema before it starts; `db upgrade` first makes a failed migration
# visible on its own line in the container log.
CMD ["sh", "-c", "hipcoach db upgrade && exec hipcoach run"]
