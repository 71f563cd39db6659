"""Course certificates: the eligibility rules and the one core that changes them."""
