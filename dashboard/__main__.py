"""``python -m dashboard``: serve the dashboard with Dash's own server (PORT, MLR_DB_PATH)."""

from dashboard.app import create_app
from dashboard.config import Settings

settings = Settings.from_env()
print(f"Serving the dashboard on http://localhost:{settings.port}/ (database {settings.db_path})")
create_app(settings).run(host=settings.host, port=settings.port, debug=settings.debug)
