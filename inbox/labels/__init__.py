"""Labels: admins define them, agents put them on conversations, the list filters by them."""
