"""Grading scales computed from a patient's findings, each rule cited to the indexed corpus row it comes from.

One module per scale (``crs``, ``icans``, ``icaht``, ``hematotox``) and its rules as data in a YAML
file beside it; ``core`` holds what they share. ``findings`` reads findings from a chat question and
``chat`` answers such a question with the computed grade.
"""
