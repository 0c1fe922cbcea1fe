"""Records of where large language models come from: loading, validation and the curated data."""

__distribution__ = "llm-lineage"
"""Marks this package as the one of the llm-lineage distribution (cli.py checks it)."""
