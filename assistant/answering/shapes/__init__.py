"""The shapes an extractive answer takes, one module each: prose sentences, dosing table, next step of a
ladder, whole table, evidence lines by study, society positions, a term spelled out.

``ExtractiveComposer._shaped`` (compose.py) picks the shape the question asks for; each shape is a set
of plain functions over scored units with explicit arguments (the ``Scorer`` and its ``ComposerRules``).
"""
