"""People, roles, sign-in (lockout, two-factor) and the access helpers every view calls."""
