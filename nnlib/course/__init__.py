"""Instructor-side tools: generating exercises from solutions, grading submissions."""
