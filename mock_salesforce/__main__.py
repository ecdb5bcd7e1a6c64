"""``python -m mock_salesforce`` runs the ``mock-salesforce`` command."""
from .cli import main

if __name__ == "__main__":
    main(prog_name="mock-salesforce")
