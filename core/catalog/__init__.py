"""What the analysed databases hold: DB profiles, introspection, the catalog cache, scopes."""
