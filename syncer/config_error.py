"""The one error a configuration the product would refuse raises: ``ConfigurationError``.

A leaf module, so that every part that checks a setting — the file's parser (``config``,
``config_custom``), the selection caps (``cdp.limits``), selective-sync filters, the credentials
folder, the OAuth callback port, the CDP database URL — raises the same class without importing
the parser. ``syncer.config`` re-exports it.
"""
from __future__ import annotations


class ConfigurationError(ValueError):
    """A data-source configuration the product would reject at setup time."""
