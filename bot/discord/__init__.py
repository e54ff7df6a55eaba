"""Backstride on Discord: DMs, slash commands and persistent buttons via discord.py."""
