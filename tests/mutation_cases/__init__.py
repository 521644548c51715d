"""The one-change mistakes of each chapter's solution, one module per chapter."""
