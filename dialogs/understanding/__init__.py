"""Understanding what runners type, one module per kind of thing: numbers, pain, the shared text machinery;
the word tables are data in words.py. dialogs.parsing is the front door the flows use."""
