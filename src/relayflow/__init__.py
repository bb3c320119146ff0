"""Relayflow: a workflow automation server that speaks n8n's public REST API."""

__version__ = "0.1.0"
