"""The shared layout: base template, styles, home page, language switch, errors."""
