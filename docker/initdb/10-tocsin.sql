-- Tocsin keeps its data in its own database, apart from Airflow's metadata.
CREATE USER tocsin WITH PASSWORD 'tocsin';
CREATE DATABASE tocsin OWNER tocsin;
