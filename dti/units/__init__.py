"""Units (đơn vị) and their internal departments (phòng chuyên môn)."""
