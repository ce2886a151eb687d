"""Appraisal by the council (thẩm định): assignments of appraisers, automated checks."""
