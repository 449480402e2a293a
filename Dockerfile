# The image of docker-compose.yml's Dar services (the API, the set-up and the projection worker).
FROM python:3.11-slim
ENV UV_PROJECT_ENVIRONMENT=/opt/dar UV_PYTHON_DOWNLOADS=never PATH=/opt/dar/bin:$PATH
WORKDIR /srv/dar
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock README.md ./
COPY domain domain
COPY application application
COPY projections projections
COPY infrastructure infrastructure
COPY api api
RUN uv sync --frozen --no-dev
USER nobody
