"""Self-assessment (tự đánh giá): general information, figures, evidence, departments, sign-off."""
