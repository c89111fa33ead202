"""The audit log: who changed what in the back office, who signed in or failed to,
who exported what. Append-only (on PostgreSQL a trigger refuses UPDATE and DELETE;
only the retention purge may delete), kept AUDIT_RETENTION_DAYS, read and exported by
site admins. The lowest layer: every app records into it, it imports none of them."""
