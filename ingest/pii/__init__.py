"""Recognizers of the de-identification stage, one module per family.

``ingest.deidentify`` builds the analyzer; ``ingest.recognizers.custom_recognizers`` picks the
recognizers of the configured entity types from here. Data tables (lexicons, regions, street
words) live in their own ``*_data`` modules. Every recognizer registers for language ``"en"``:
documents go through one analyzer, and mixed English/Chinese text is analysed as ``"en"``.
Presidio is imported at module level, so import these only after
``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is set (``Deidentifier.warm_up`` does that).
"""
