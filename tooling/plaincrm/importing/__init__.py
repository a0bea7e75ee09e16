"""`crm import`: customers from a user's spreadsheet into records, reconciled, never guessed.

sheets (read a file safely) → mapping (which field each column fills, what spellings mean) →
values and rows (cells as a customer) → apply (matched to the repository, written through the
record gate) · plan (what the mapping does not decide, as a draft the user edits once).
"""

from .apply import MODES, PARALLEL_FROM, PROGRESS_FROM, Outcome, progress_bar, run_import, write_rejects
from .mapping import CannotImport
from .plan import ImportPlan, draft_text, plan_import
from .values import RowError

__all__ = ["MODES", "PARALLEL_FROM", "PROGRESS_FROM", "CannotImport", "ImportPlan", "Outcome", "RowError",
           "draft_text", "plan_import", "progress_bar", "run_import", "write_rejects"]
