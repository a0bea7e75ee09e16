"""`crm import`: customers from a user's spreadsheet into records, reconciled, never guessed.

sheets (read a file safely) → mapping (which field each column fills, what spellings mean) →
values and rows (cells as a customer) → apply (matched to the repository, written through the
record gate) · plan (what the mapping does not decide, as a draft the user edits once).
"""
