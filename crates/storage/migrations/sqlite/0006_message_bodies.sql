-- Nothing to do on SQLite: one node, bodies in files, guarded in process.
SELECT 1;
