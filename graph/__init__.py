"""Graph building, queries and exporters over the lineage knowledge base."""

__distribution__ = "llm-lineage"
"""Marks this package as the one of the llm-lineage distribution (cli.py checks it)."""
