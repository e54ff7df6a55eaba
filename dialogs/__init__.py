"""The coach: conversations, triage, advice and parsing, free of any platform or storage library."""
