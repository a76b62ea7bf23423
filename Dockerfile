# luka-bot: a slim, non-root image. `docker build -t luka-bot .`
# Run: docker run -e BOT_TOKEN=… -e REDIS_URL=redis://valkey:6379/0 luka-bot run --role gateway
# Build stage: wheels only, so the final image carries no compiler or pip cache.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# No .pyc writes into a read-only layer; logs leave at once; /healthz must be reachable by the
# orchestrator, so the web server listens on every interface inside the container (WEB_HOST).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8090 \
    DATA_DIR=/data \
    LOG_FORMAT=json
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin luka \
    && mkdir -p /data && chown luka:luka /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER luka
WORKDIR /home/luka
VOLUME ["/data"]
EXPOSE 8090
# /healthz answers 200 only while the process receives updates (a worker: while its worker runs).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os,sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT','8090'), timeout=4).status == 200 else 1)"
ENTRYPOINT ["luka-bot"]
CMD ["run"]
