# LayerLab in a container: Node builds the page, a slim Python serves it.
#   docker build -t layerlab .
#   docker run -p 8000:8000 -v layerlab-data:/data layerlab
# Each stage builds with the make targets CI runs (frontend-build, install), so the image
# holds what the tests passed on. The server binds every interface, so classes are on:
# runs outside a class are refused there.

FROM node:22-bookworm-slim AS page
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY Makefile ./
COPY frontend/package.json frontend/package-lock.json frontend/
RUN make frontend/node_modules/.installed
COPY frontend/ frontend/
RUN make frontend-build

FROM python:3.11-slim AS server
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The CPU build of torch, first: `make install` keeps a torch it finds (a GPU host may
# install a CUDA build here instead, inside the range pyproject.toml allows).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN python -m venv .venv \
    && .venv/bin/pip install --no-cache-dir --index-url "$TORCH_INDEX" "torch>=2.4,<3"
COPY pyproject.toml Makefile README.md ./
COPY models/ models/
COPY server/ server/
RUN make install
COPY --from=page /app/frontend/dist frontend/dist

RUN useradd --create-home --uid 10001 layerlab \
    && mkdir /data \
    && chown layerlab /data
USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"]
CMD ["/app/.venv/bin/layerlab", "serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
