FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY admin admin
COPY forms forms
COPY portal portal
COPY kiosk kiosk
COPY tasks tasks
COPY seed seed
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/frontdesk frontdesk \
    && mkdir -p /var/lib/frontdesk && chown frontdesk /var/lib/frontdesk
USER frontdesk
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "core.wsgi:app"]
