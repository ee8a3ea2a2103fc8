"""Storage: the only package that imports SQLAlchemy; tables, repositories, unit of work, migrations."""
