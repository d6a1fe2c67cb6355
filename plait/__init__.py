"""plait: check, compile and run Argo Workflows locally."""

__version__ = "0.1.0"
