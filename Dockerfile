# syntax=docker/dockerfile:1
# Build stage: a wheel of the whole source tree, so setuptools' package discovery and package data
# (pyproject.toml), not a list of folders here, decide what ships. .dockerignore leaves out what is not
# the product (virtualenvs, instance data, tests, node_modules, .git). tests/test_image.py builds and
# installs exactly this outside the checkout and serves the app from it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir /wheels/*.whl \
    && useradd --system --home /var/lib/frontdesk frontdesk \
    && mkdir -p /var/lib/frontdesk && chown frontdesk /var/lib/frontdesk
USER frontdesk
WORKDIR /var/lib/frontdesk
ENV FRONTDESK_INSTANCE_PATH=/var/lib/frontdesk
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "core.wsgi:app"]
