FROM python:3.11-slim
WORKDIR /opt/tocsin
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir uv && uv pip install --system --no-cache -r requirements.lock "apache-airflow-providers-celery" "redis" "psycopg2-binary"
COPY . .
RUN uv pip install --system --no-deps -e . && python -m classifiers.build
ENV AIRFLOW_HOME=/opt/airflow
