"""Graph building, queries and exporters over the lineage knowledge base."""
