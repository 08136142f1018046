"""`carta eval`: the graded question set run through the same chain users get, scored and reported.

questions.py loads and validates the set, scoring.py holds the pure metric functions, baselines.py
the configurations compared side by side, runner.py answers and scores every item, report.py writes
results.jsonl, summary.json, report.md and report.html, and thresholds.py gates the figures.
"""
