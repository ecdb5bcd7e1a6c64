Feature: Organizations and the hidden Salesforce account id
  Salesforce accounts become organizations. Organizations merge with the strategy chosen for
  organizations, on the hidden Salesforce Account Id first and the name second — and an
  organization that carries an Account Id never absorbs a different Account Id.

  # Rules 14 and 15: the seed's Rainy Day Insurance example, under both key strategies.
  Scenario Outline: Rainy Day Insurance stays two organizations with "<key strategy>"
    Given organizations are merged with "Import and overwrite any records that exist" and "<key strategy>"
    And Salesforce has these accounts:
      | ref | name                 |
      | A   | Rainy Day Insurance  |
    And the data source has synced
    And Salesforce has these accounts:
      | ref | name                 |
      | B   | Rainy Day Insurance  |
    When the data source syncs
    Then the CDP has 2 organizations named "Rainy Day Insurance"
    And accounts "A" and "B" are different organizations

    Examples:
      | key strategy                              |
      | Match only if previous merge key is empty |
      | Merge with any key match                  |

  # Rule 16: an organization without an Account Id is claimed by the first matching account.
  Scenario: An organization imported by CSV is claimed by name, once
    Given organizations are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And the CDP already has these organizations:
      | name        |
      | Acme Pty    |
    And Salesforce has these accounts:
      | ref | name      |
      | A   | Acme Pty  |
      | B   | Acme Pty  |
    When the data source syncs
    Then the CDP has 2 organizations named "Acme Pty"
    And accounts "A" and "B" are different organizations

  # Rule 13: the organization strategy is separate from the people strategy.
  Scenario: Organizations use their own merge strategy
    Given organizations are merged with "Import new records only" and "Match only if previous merge key is empty"
    And people are merged with "Import and overwrite any records that exist" and "Match only if previous merge key is empty"
    And the CDP already has these organizations:
      | name  | website            |
      | Acme  | https://old.example |
    And Salesforce has these accounts:
      | ref | name | website             |
      | A   | Acme | https://new.example |
    When the data source syncs
    Then account "A" is organization "Acme"
    And the sync reports for Account:
      | outcome           | count |
      | left as they were | 1     |

  # Rule 17: people link to the organization holding their contact's AccountId.
  Scenario: A contact's person belongs to its account's organization
    Given Salesforce has these accounts:
      | ref | name        |
      | A   | Globex      |
      | B   | Initech     |
    And Salesforce has these contacts:
      | ref | last name | email     | account |
      | C1  | Lee       | l@x.org   | A       |
    When the data source syncs
    Then the person holding contact "C1" belongs to organization "Globex"
    And account "B" is organization "Initech"
