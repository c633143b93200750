# The tracker's dashboard and CLI in one image: `tracker serve` by default; the compose file's
# release step runs `tracker init` from the same image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Installed in editable mode, as `make run` does: the catalogue and the pages live beside the
# package, where they are reviewed.
COPY pyproject.toml README.md recommendations.yaml ./
COPY tracker ./tracker
COPY pages ./pages
COPY .streamlit/config.toml ./.streamlit/config.toml
RUN pip install -e . \
    && useradd --system --create-home --home-dir /home/tracker tracker

# Never root: the dashboard needs no privileges, and the database holds the only state.
USER tracker
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"
CMD ["tracker", "serve", "--address", "0.0.0.0", "--port", "8501"]
