"""The team's record models. Customise fields here; the engine in tooling/ adapts.

The engine reads four names from this package: `settings`, `options`, `Customer`
(the type a customer file validates against) and `Team` (the type of team.yaml).
"""

from pathlib import Path

from plaincrm.modelkit import Options, Settings

HERE = Path(__file__).parent
settings = Settings.from_yaml(HERE / "settings.yaml")
options = Options.from_yaml(HERE / "options.yaml")

from .customer import Company, Customer, Individual  # noqa: E402  (needs settings/options)
from .team import Team, TeamMember  # noqa: E402

__all__ = ["settings", "options", "Customer", "Company", "Individual", "Team", "TeamMember"]
