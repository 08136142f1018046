"""Carta: a conversational clinical guideline assistant for CAR-T cell therapy toxicity.

The data flows one way: corpus -> chunks -> index -> retrieval -> answer -> UI/CLI/eval.
"""

import assistant.settings  # noqa: F401  (sets the offline, telemetry-free environment first)

__version__ = "0.1.0"
