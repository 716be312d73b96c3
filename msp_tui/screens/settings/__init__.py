"""Admin settings: one screen per area, reached from the hub (`C`, configure)."""
