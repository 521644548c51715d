"""The book's classes written out plainly (:mod:`reference.book_style`): the one book-shaped
reference, used by the book-fidelity tests and by the benchmark's book-style row.
"""
