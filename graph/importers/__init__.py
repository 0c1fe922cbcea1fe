"""Importers: metadata from elsewhere turned into validated, sourced lineage records.

* :mod:`graph.importers.hfsource` reads Hugging Face Hub metadata (model cards,
  API JSON, JSON lines, Parquet snapshots, the Hub itself through
  ``huggingface_hub``) into plain :class:`~graph.importers.hfsource.Entry` values;
* :mod:`graph.importers.hf` maps entries to records and relations, lints them,
  and writes them into a store (:func:`~graph.importers.hf.import_hf`) or into
  YAML data files.
"""
