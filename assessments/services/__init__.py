"""Writes for competence: one module per area (frameworks, evidence, quizzes, …)."""
