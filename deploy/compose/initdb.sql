-- Temporal's databases beside Varco's (docker-compose.yml); temporal-sql-tool fills them.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
