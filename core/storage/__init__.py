"""The product's own database: engine and URL, tables, migrations, the UTC column type."""
