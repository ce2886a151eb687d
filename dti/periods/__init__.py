"""Evaluation periods (kỳ đánh giá): groups and their frameworks, deadlines, status."""
