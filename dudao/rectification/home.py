"""Home items, menu entries and demo data of this app."""
