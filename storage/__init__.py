"""SQLModel tables and the repository that implements dialogs.ports.Store."""
