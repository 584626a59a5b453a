"""JupyterLab pipeline viewer: the prebuilt labextension plus a small server extension
that starts and stops the persistent viewer server on behalf of the browser."""
try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_pipeline_viewer' outside a proper installation.")
    __version__ = "dev"

from .handlers import setup_handlers


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-pipeline-viewer"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_pipeline_viewer"}]


def _load_jupyter_server_extension(server_app):
    setup_handlers(server_app.web_app)
    server_app.log.info("jupyterlab_pipeline_viewer: viewer server control at /pipeline-viewer/server")
