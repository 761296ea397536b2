FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
ENV PATH=/opt/venv/bin:$PATH
# The embedded key made by this DEBUG run stays out of the image.
RUN DEBUG=true python manage.py collectstatic --noinput && rm -f var/secret_key
EXPOSE 8000
CMD ["gunicorn", "majority_ready.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
