"""Frameworks (bộ chỉ số): the file format, validation, spreadsheets, storage and pages."""
